"""Stream decoding: sampling at detect fps, end of file, frozen pictures, bad URLs, reconnects."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.workers.synthetic import write_video
from workers.stream.decode import StreamConfig, StreamStatus, VideoStream


def _moving_square(i: int, img: np.ndarray) -> None:
    x = 10 + 3 * i
    cv2.rectangle(img, (x, 100), (x + 30, 160), (255, 255, 255), -1)


def test_file_is_sampled_at_detect_fps_with_file_timestamps(tmp_path: Path) -> None:
    video = write_video(tmp_path / "a.mp4", frames=100, fps=25, draw=_moving_square)
    statuses: list[StreamStatus] = []
    stream = VideoStream(
        video, StreamConfig(detect_fps=5), on_status=lambda s, t, d: statuses.append(s)
    )
    frames = list(stream.frames())
    assert len(frames) == 20  # 4 s at 5 fps
    assert [round(f.t_s, 2) for f in frames[:3]] == [0.0, 0.2, 0.4]
    assert frames[1].index == 5
    assert statuses == [StreamStatus.OPENED, StreamStatus.ENDED]
    assert stream.frames_read == 100


def test_frozen_picture_is_reported_once_after_frozen_after_s(tmp_path: Path) -> None:
    video = write_video(tmp_path / "still.mp4", frames=125, fps=25)  # 5 s, nothing changes
    stream = VideoStream(video, StreamConfig(detect_fps=5, frozen_after_s=2.0))
    frames = list(stream.frames())
    frozen = [(s, t) for s, t, _ in stream.statuses if s == StreamStatus.FROZEN]
    assert len(frames) == 25
    assert len(frozen) == 1 and 1.9 <= frozen[0][1] <= 2.5


def test_moving_picture_is_not_frozen(tmp_path: Path) -> None:
    video = write_video(tmp_path / "m.mp4", frames=100, fps=25, draw=_moving_square)
    stream = VideoStream(video, StreamConfig(detect_fps=5, frozen_after_s=1.0))
    list(stream.frames())
    assert StreamStatus.FROZEN not in [s for s, _, _ in stream.statuses]


def test_missing_and_corrupt_files_fail_without_raising(tmp_path: Path) -> None:
    missing = VideoStream(tmp_path / "nope.mp4")
    assert list(missing.frames()) == []
    assert missing.statuses[-1][0] == StreamStatus.FAILED
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00not a video" * 100)
    corrupt = VideoStream(junk)
    assert list(corrupt.frames()) == []
    assert corrupt.statuses[-1][0] == StreamStatus.FAILED


def test_unreachable_live_stream_backs_off_then_gives_up() -> None:
    slept: list[float] = []
    config = StreamConfig(
        max_reconnects=4, reconnect_initial_s=0.5, reconnect_max_s=1.5, open_timeout_s=1
    )
    stream = VideoStream("http://127.0.0.1:9/none.mjpg", config, sleep=slept.append)
    assert list(stream.frames()) == []
    assert slept == [0.5, 1.0, 1.5, 1.5]  # exponential, capped
    kinds = [s for s, _, _ in stream.statuses]
    assert kinds.count(StreamStatus.RECONNECTING) == 4
    assert kinds[-1] == StreamStatus.FAILED


def test_stop_ends_the_backoff_of_an_unreachable_stream_at_once() -> None:
    """A time-boxed caller (an analysis window) is not held by a reconnect wait: stopped 0.5 s
    into the first 5 s wait, the stream gives up within the 0.25 s it polls `stop` at, and
    reports that it gave up because it was stopped."""
    import time

    config = StreamConfig(max_reconnects=8, reconnect_initial_s=5, open_timeout_s=1)
    started = time.monotonic()
    stream = VideoStream(
        "http://127.0.0.1:9/none.mjpg", config, stop=lambda: time.monotonic() - started > 0.5
    )
    assert list(stream.frames()) == []
    assert time.monotonic() - started < 2  # not the 5 s wait, let alone the schedule
    status, _, detail = stream.statuses[-1]
    assert status == StreamStatus.FAILED and "stopped while reconnecting" in detail
    assert stream.reconnects == 1


def test_decoder_threads_are_capped_and_frames_stay_the_same(tmp_path: Path) -> None:
    video = write_video(tmp_path / "t.mp4", frames=50, fps=25, draw=_moving_square)
    capped = VideoStream(video, StreamConfig(detect_fps=5, decode_threads=1))
    frames = capped.frames()
    first = next(frames)
    assert capped._cap is not None and capped._cap.get(cv2.CAP_PROP_N_THREADS) == 1
    rest = [first, *frames]
    default = list(VideoStream(video, StreamConfig(detect_fps=5, decode_threads=0)).frames())
    assert [f.index for f in rest] == [f.index for f in default]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(rest, default, strict=True))
