"""HTTP/MJPEG camera server: `/cam/<code>.mjpg` (multipart stream), `/cam/<code>.jpg`,
`/cameras` (JSON). One producer thread per camera paces frames in real time; every client of
a camera gets the latest JPEG."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

log = logging.getLogger(__name__)
BOUNDARY = "haechiframe"


@dataclass
class SimCamera:
    """One simulated camera: a frame source paced at `fps`."""

    code: str
    fps: float
    frames: Iterator[np.ndarray]
    source: str = ""
    jpeg: bytes | None = None
    seq: int = 0
    frozen: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)

    def produce(self, stop: threading.Event, max_fps: float, width: int) -> None:
        """Decode, scale, encode and publish frames until `stop`."""
        fps = min(self.fps, max_fps)
        skip = max(1, round(self.fps / fps))
        period = skip / self.fps
        next_at = time.monotonic()
        for i, img in enumerate(self.frames):
            if stop.is_set():
                return
            if i % skip or self.frozen:
                if self.frozen:
                    time.sleep(period)
                continue
            if img.shape[1] > width:
                img = cv2.resize(
                    img,
                    (width, round(img.shape[0] * width / img.shape[1])),
                    interpolation=cv2.INTER_AREA,
                )
            ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
            if ok:
                with self.cond:
                    self.jpeg, self.seq = bytes(data), self.seq + 1
                    self.cond.notify_all()
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))


class MjpegServer:
    """Serves simulated cameras over HTTP until `stop()`."""

    def __init__(
        self,
        cameras: list[SimCamera],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_fps: float = 10.0,
        width: int = 640,
    ) -> None:
        self.cameras = {c.code: c for c in cameras}
        self._stop = threading.Event()
        self.max_fps, self.width = max_fps, width
        self.host = host
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, code: str) -> str:
        """The MJPEG URL of a camera."""
        return f"http://{self.host}:{self.port}/cam/{code}.mjpg"

    def start(self) -> MjpegServer:
        for cam in self.cameras.values():
            t = threading.Thread(
                target=cam.produce, args=(self._stop, self.max_fps, self.width), daemon=True
            )
            t.start()
            self._threads.append(t)
        t = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for cam in self.cameras.values():
            with cam.cond:
                cam.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                log.debug(format, *args)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/cameras":
                    body = json.dumps(
                        [
                            {"code": c, "url": server.url(c), "source": cam.source}
                            for c, cam in server.cameras.items()
                        ]
                    ).encode()
                    self._reply(200, "application/json", body)
                    return
                code, _, ext = path.removeprefix("/cam/").rpartition(".")
                cam = server.cameras.get(code)
                if not path.startswith("/cam/") or cam is None:
                    self._reply(404, "text/plain", b"no such camera")
                elif ext == "jpg":
                    with cam.cond:
                        cam.cond.wait_for(
                            lambda: cam.jpeg is not None or server._stop.is_set(), timeout=5
                        )
                    self._reply(200, "image/jpeg", cam.jpeg or b"")
                elif ext == "mjpg":
                    self._stream(cam)
                else:
                    self._reply(404, "text/plain", b"use .mjpg or .jpg")

            def _reply(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, cam: SimCamera) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                seen = -1
                try:
                    while not server._stop.is_set():
                        with cam.cond:

                            def fresh(last: int = seen) -> bool:
                                return cam.seq != last or server._stop.is_set()

                            cam.cond.wait_for(fresh, timeout=1.0)
                            data, seen = cam.jpeg, cam.seq
                        if data is None or server._stop.is_set():
                            continue
                        self.wfile.write(
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                        )
                        self.wfile.write(data + b"\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler
