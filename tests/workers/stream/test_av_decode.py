"""Live RTSP through PyAV: every frame while the camera is busy, keyframes only while it is idle
(one per GOP: a fraction of the CPU), back to every frame from the next keyframe, and the same
stall/reconnect contract as the OpenCV stream."""

from __future__ import annotations

import threading
import time

import numpy as np

from workers.simulator.rtsp import H264Source, RtspServer
from workers.stream.av_decode import AvVideoStream, uses_av
from workers.stream.decode import Frame, StreamConfig, StreamStatus

LIVE = StreamConfig(detect_fps=50, open_timeout_s=10, read_timeout_s=3, max_reconnects=3)


def _frames_for(stream: AvVideoStream, seconds: float) -> list[Frame]:
    """Frames over `seconds` from the first one (opening and pre-encoding not counted)."""
    frames: list[Frame] = []
    started: float | None = None
    for frame in stream.frames():
        frames.append(frame)
        started = started or time.monotonic()
        if time.monotonic() - started >= seconds:
            break
    return frames


def test_rtsp_urls_use_pyav_and_other_urls_do_not() -> None:
    assert uses_av("rtsp://cam/1") and uses_av("RTSPS://cam/1")
    assert not uses_av("http://cam/video.mjpg") and not uses_av("/tmp/clip.mp4")


def test_idle_cameras_decode_keyframes_only_and_busy_ones_every_frame(rtsp: RtspServer) -> None:
    idle = threading.Event()
    stream = AvVideoStream(rtsp.url("CAM-1"), LIVE, camera="CAM-1", idle=idle.is_set)
    busy = _frames_for(stream, 4.0)
    assert len(busy) >= 40 and stream.keyframe_frames == 0  # every frame: 25 fps
    idle.set()
    stream = AvVideoStream(rtsp.url("CAM-1"), LIVE, camera="CAM-1", idle=idle.is_set)
    quiet = _frames_for(stream, 4.0)
    assert 2 <= len(quiet) <= 8  # the simulator sends a keyframe every second
    assert stream.keyframe_frames == len(quiet)
    assert all(f.image.shape == (240, 320, 3) and f.image.std() > 10 for f in quiet)


def test_busy_again_resumes_every_frame_at_the_next_keyframe(rtsp: RtspServer) -> None:
    idle = threading.Event()
    idle.set()
    stream = AvVideoStream(rtsp.url("CAM-2"), LIVE, camera="CAM-2", idle=idle.is_set)
    frames: list[Frame] = []
    for frame in stream.frames():
        frames.append(frame)
        elapsed = frame.t_s - frames[0].t_s
        if elapsed >= 2.5:
            idle.clear()
        if elapsed >= 6.0:
            break
    before = [f for f in frames if f.t_s - frames[0].t_s < 2.5]
    after = [f for f in frames if f.t_s - frames[0].t_s >= 4.0]
    assert len(before) <= 4  # keyframes: one a second
    assert len(after) >= 25  # every frame again (25 fps)
    assert stream.bad_frames == 0
    assert all(float(np.abs(np.diff(f.image.astype(np.int16), axis=1)).mean()) > 1 for f in after)


def test_a_camera_that_goes_away_stalls_and_is_reconnected_to() -> None:
    server = RtspServer([H264Source("GONE", None)]).start()
    statuses: list[StreamStatus] = []
    stream = AvVideoStream(
        server.url("GONE"), LIVE, camera="GONE", on_status=lambda s, t, d: statuses.append(s)
    )
    frames = 0
    for _ in stream.frames():
        frames += 1
        if frames == 10:
            server.stop()  # the camera disappears
    assert frames >= 10
    assert StreamStatus.STALLED in statuses and StreamStatus.RECONNECTING in statuses
    assert statuses[-1] == StreamStatus.FAILED  # max_reconnects=3 here; hosts retry forever
