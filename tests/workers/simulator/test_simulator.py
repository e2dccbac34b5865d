"""Simulated cameras: MJPEG over HTTP read by the real stream code, server restarts survived."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests.shared_data import shared_path
from workers.simulator.ffmpeg_ts import TsCamera
from workers.simulator.mjpeg import MjpegServer, SimCamera
from workers.simulator.sources import generated_frames
from workers.stream.decode import StreamConfig, StreamStatus, VideoStream

FAST = StreamConfig(
    detect_fps=5, max_reconnects=6, reconnect_initial_s=0.3, read_timeout_s=1, open_timeout_s=2
)


def server(port: int = 0) -> MjpegServer:
    cams = [SimCamera(f"C{i}", *generated_frames(i)) for i in (1, 2)]
    return MjpegServer(cams, port=port, max_fps=10).start()


def test_cameras_are_listed_and_streamed_in_real_time() -> None:
    srv = server()
    try:
        listing = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/cameras").read())
        assert [c["code"] for c in listing] == ["C1", "C2"]
        stream = VideoStream(srv.url("C2"), FAST)
        started = time.monotonic()
        frames = []
        for frame in stream.frames():
            frames.append(frame)
            if len(frames) == 10:
                break
        elapsed = time.monotonic() - started
        assert frames[0].image.shape == (360, 640, 3)
        assert 1.2 <= elapsed <= 4.0  # 10 frames at 5 fps: live pace, not a file dump
    finally:
        srv.stop()


def _restart_on(port: int, attempts: int = 30) -> MjpegServer:
    """The camera comes back on the same port (the kernel may hold it for a moment)."""
    for _ in range(attempts):
        time.sleep(0.2)
        try:
            return server(port)
        except OSError:
            continue
    raise AssertionError(f"port {port} stayed busy")


def test_stream_reconnects_when_the_camera_server_comes_back() -> None:
    srv = server()
    port = srv.port
    stream = VideoStream(srv.url("C1"), FAST)
    restarted = None
    for count, _frame in enumerate(stream.frames(), start=1):
        if count == 5:
            srv.stop()
            restarted = _restart_on(port)
        if count == 15:
            break
    assert restarted is not None
    restarted.stop()
    kinds = [s for s, _, _ in stream.statuses]
    assert StreamStatus.STALLED in kinds and StreamStatus.RECONNECTING in kinds
    assert kinds.count(StreamStatus.OPENED) >= 2 and StreamStatus.FAILED not in kinds


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_ffmpeg_camera_serves_h264_transport_stream() -> None:
    clip = shared_path("footage/fight/fi013.mp4")
    cam = TsCamera("TS1", clip, port=18611).start()
    try:
        time.sleep(1.0)
        stream = VideoStream(cam.url, FAST)
        frames = []
        for frame in stream.frames():
            frames.append(frame)
            if len(frames) == 5:
                break
        assert len(frames) == 5 and frames[0].image.shape == (360, 640, 3)
    finally:
        cam.stop()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_the_registered_urls_follow_the_chosen_protocol() -> None:
    from workers.cli.simulate import _registered_urls
    from workers.simulator.rtsp import H264Source, RtspServer

    mjpeg = {"C1": "http://127.0.0.1:8554/cam/C1.mjpg", "C2": "http://127.0.0.1:8554/cam/C2.mjpg"}
    rtsp = RtspServer([H264Source(code, None, fps=10) for code in mjpeg])
    try:
        assert _registered_urls("rtsp", mjpeg, [], rtsp) == {
            "C1": f"rtsp://127.0.0.1:{rtsp.port}/C1",
            "C2": f"rtsp://127.0.0.1:{rtsp.port}/C2",
        }
        assert _registered_urls("mjpeg", mjpeg, [], rtsp) == mjpeg
    finally:
        rtsp.stop()


def test_simulate_refuses_ts_without_clips_and_names_a_busy_port(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    def simulate(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HAECHI_SHARED_DATA": str(tmp_path)}  # no footage here
        return subprocess.run(
            [sys.executable, "-m", "workers", "simulate", "--no-register", "--seconds", "1", *args],
            cwd=Path(__file__).resolve().parents[3], env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip

    ts = simulate("--register", "ts", "--port", "0")
    assert ts.returncode == 2 and "--register ts needs real clips" in ts.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = simulate("--port", str(port))
    assert taken.returncode == 2 and f"127.0.0.1:{port}" in taken.stderr
    assert "pick another --port" in taken.stderr and "Traceback" not in taken.stderr


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_simulate_serves_the_given_codes_cycling_through_the_given_clips(tmp_path: Path) -> None:
    import subprocess
    import sys

    fight = shared_path("footage/fight/fi013.mp4")
    env = {**os.environ, "HAECHI_VAR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "workers", "simulate", "--rtsp-only", "--rtsp-port", "0",
         "--codes", "A,B,C", "--clips", str(fight), "nonfight/nofi004.mp4", "--size", "640x360",
         "--no-register", "--seconds", "1"],
        cwd=Path(__file__).resolve().parents[3], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [
        line.split() for line in done.stdout.splitlines() if line.startswith(("A ", "B ", "C "))
    ]
    assert [(code, Path(clip.strip("()")).name) for code, _url, clip in lines] == [
        ("A", "fi013.mp4"),
        ("B", "nofi004.mp4"),
        ("C", "fi013.mp4"),
    ]
    assert all(url.startswith("rtsp://127.0.0.1:") for _code, url, _clip in lines)
    assert len(list((tmp_path / "simulator").glob("*.h264"))) == 2  # one encoding per clip

    missing = subprocess.run(
        [sys.executable, "-m", "workers", "simulate", "--rtsp-only", "--clips", "nope.mp4",
         "--no-register", "--seconds", "1"],
        cwd=Path(__file__).resolve().parents[3], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "no such clip 'nope.mp4'" in missing.stderr
