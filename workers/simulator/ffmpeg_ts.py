"""H.264 MPEG-TS over HTTP with ffmpeg (`-listen 1`): a closer stand-in for a real IP camera.

ffmpeg's HTTP listen mode serves one client per process, so each camera is a supervised ffmpeg
that is restarted after each client leaves. (ffmpeg's RTSP muxer can only push to an RTSP server,
not serve clients; live RTSP comes from our own small server in workers.simulator.rtsp.)
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


class TsCamera:
    """`http://host:port/<code>.ts` served by a respawning ffmpeg looping `clip` in real time."""

    def __init__(self, code: str, clip: Path, port: int, host: str = "127.0.0.1") -> None:
        if shutil.which("ffmpeg") is None:
            raise RuntimeError("ffmpeg is not installed")
        self.code, self.clip, self.port, self.host = code, clip, port, host
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._supervise, daemon=True, name=f"ts-{code}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/{self.code}.ts"

    def command(self) -> list[str]:
        return [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
            "-i", str(self.clip), "-an", "-c:v", "libx264", "-preset", "ultrafast",
            "-tune", "zerolatency", "-g", "25", "-f", "mpegts", "-listen", "1", self.url,
        ]  # fmt: skip

    def _supervise(self) -> None:
        while not self._stop.is_set():
            self._proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL)
            while self._proc.poll() is None and not self._stop.is_set():
                time.sleep(0.2)
            if self._proc.poll() is None:
                self._proc.terminate()
                self._proc.wait(timeout=5)
            time.sleep(0.2)

    def start(self) -> TsCamera:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
