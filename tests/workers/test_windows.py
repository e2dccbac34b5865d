"""One analysis window: lease, pipeline, media, early publishing of confirmed events."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest
import redis

from tests.workers.synthetic import write_video
from workers import windows
from workers.contracts import BehaviourEvent
from workers.leases import CameraSpec, Leases
from workers.media import MediaConfig
from workers.pipeline import PipelineStats
from workers.publish import Publisher
from workers.rules.base import BehaviourEvent as Incident
from workers.stream.decode import Frame
from workers.windows import run_window


class Recorder:
    """A Celery stand-in that records send_task calls."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.threads: list[str] = []

    def send_task(self, name: str, args: Any = (), **options: Any) -> None:
        self.sent.append({"name": name, "message": args[0], **options})
        self.threads.append(threading.current_thread().name)


def _blackout(i: int, img: np.ndarray) -> None:
    if i >= 25:
        img[:] = 0


def test_window_publishes_a_confirmed_event_with_media_before_the_incident_ends(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    video = write_video(tmp_path / "cam.mp4", frames=1500, draw=_blackout)  # 60 s, dark from 1 s
    recorder = Recorder()
    leases = Leases(redis_client, ttl_s=5)
    result = run_window(
        CameraSpec(code="CAM-W", url=str(video), detector=None),
        leases=leases, owner="me", publisher=Publisher(recorder, tmp_path / "outbox"),
        window_s=60, media_dir=tmp_path / "media",
    )  # fmt: skip
    assert result.status == "done" and result.published == 1
    assert leases.owner("CAM-W") is None  # released
    # media + publishing ran on the window's media thread, not the thread reading the stream
    assert recorder.threads[0].startswith("media-CAM-W")
    call = recorder.sent[0]
    assert (call["name"], call["queue"]) == ("alerts.ingest", "ingest")
    event = BehaviourEvent.from_message(call["message"])
    assert event.type == "tamper" and event.detail == "blackout" and event.camera == "CAM-W"
    # published when confirmed + post-event seconds, not after the 59 s the blackout lasts
    assert (event.ended_at - event.started_at).total_seconds() < 15
    snapshot = cv2.imread(event.snapshot)
    assert snapshot is not None and snapshot.shape[:2] == (240, 320)
    clip = cv2.VideoCapture(event.clip)
    assert int(clip.get(cv2.CAP_PROP_FRAME_COUNT)) >= 30  # 5 s before + incident + 5 s after


def test_a_leased_camera_is_left_to_its_owner(redis_client: redis.Redis, tmp_path: Path) -> None:
    leases = Leases(redis_client, ttl_s=5)
    assert leases.acquire("CAM-X", "other-worker")
    result = run_window(
        CameraSpec(code="CAM-X", url=str(tmp_path / "none.mp4"), detector=None),
        leases=leases, owner="me", publisher=Publisher(Recorder(), tmp_path / "outbox"),
        window_s=5, media_dir=tmp_path / "media",
    )  # fmt: skip
    assert result.status == "busy" and leases.owner("CAM-X") == "other-worker"


def _nothing() -> None:
    pass


def _burst_pipeline(
    events: int, after_first: Callable[[], None] = _nothing, at_end: Callable[[], None] = _nothing
) -> type:
    """A Pipeline stand-in: a 12 s stream at 5 fps where `events` tamper events are confirmed on
    consecutive frames from 2 s on; `after_first()` runs once the first one was sent to the media
    thread, `at_end()` when the stream ends."""

    class BurstPipeline:
        def __init__(self, *args: Any, wall_start: datetime, **kwargs: Any) -> None:
            self.wall_start = wall_start
            self.last_image: np.ndarray | None = None
            self.tracks: list[Any] = []
            self.stats = PipelineStats()
            self.aggregator = SimpleNamespace(just_confirmed=[])
            self.on_frame: Callable[[Frame, list[Any]], None] | None = None

        def run(self, url: str, *, stop: Callable[[], bool]) -> Iterator[Incident]:
            assert self.on_frame is not None
            sent_at = 10 + 25  # first confirmation + post_s (5 s) at 5 fps
            for i in range(60):
                t_s = i / 5
                image = np.full((240, 320, 3), 40 + i, np.uint8)
                if 10 <= i < 10 + events:
                    self.aggregator.just_confirmed.append(
                        Incident("tamper", t_s - 1, t_s, 1.0, [], None, key=f"k{i}", confirmed=True)
                    )
                self.stats.frames += 1
                self.last_image = image
                self.on_frame(Frame(i, t_s, image), [])
                if i == sent_at:
                    after_first()
            at_end()
            yield from ()

    return BurstPipeline


def _burst_window(
    monkeypatch: pytest.MonkeyPatch,
    redis_client: redis.Redis,
    tmp_path: Path,
    pipeline: type,
    media: MediaConfig | None = None,
) -> tuple[windows.WindowResult, list[BehaviourEvent]]:
    monkeypatch.setattr(windows, "Pipeline", pipeline)
    monkeypatch.setattr(windows, "load_detector", lambda config: None)
    recorder = Recorder()
    result = run_window(
        CameraSpec(code="CAM-B", url="unused", detector=None),
        leases=Leases(redis_client, ttl_s=5), owner="me",
        publisher=Publisher(recorder, tmp_path / "outbox"), window_s=60,
        media_dir=tmp_path / "media", media=media,
    )  # fmt: skip
    return result, [BehaviourEvent.from_message(c["message"]) for c in recorder.sent]


def test_a_media_backlog_stores_later_events_without_a_clip_but_publishes_all(
    monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis, tmp_path: Path
) -> None:
    started, release = threading.Event(), threading.Event()
    attach = windows._attach_media

    def slow_attach(job: windows.MediaJob, *args: Any) -> BehaviourEvent:
        started.set()
        assert release.wait(10), "the test never released the media thread"
        return attach(job, *args)

    def first_job_running() -> None:
        assert started.wait(10)

    monkeypatch.setattr(windows, "_attach_media", slow_attach)
    # the media thread is stuck in the first job until every event was sent
    pipeline = _burst_pipeline(6, after_first=first_job_running, at_end=release.set)
    result, events = _burst_window(
        monkeypatch, redis_client, tmp_path, pipeline, MediaConfig(max_pending_clips=2)
    )
    # one job running + two queued with clips; the other three wait without their frames
    assert (result.events, result.published, result.clips_skipped) == (6, 6, 3)
    assert result.as_dict()["clips_skipped"] == 3
    assert [e.started_at for e in events] == sorted(e.started_at for e in events)  # order kept
    assert all(e.snapshot is not None and Path(e.snapshot).is_file() for e in events)
    assert [e.clip is not None for e in events] == [True] * 3 + [False] * 3
    assert all(Path(e.clip).is_file() for e in events[:3] if e.clip)


def test_events_within_the_media_backlog_bound_all_get_clips(
    monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis, tmp_path: Path
) -> None:
    result, events = _burst_window(monkeypatch, redis_client, tmp_path, _burst_pipeline(4))
    assert MediaConfig().max_pending_clips == 4
    assert (result.published, result.clips_skipped) == (4, 0)
    clips = [cv2.VideoCapture(e.clip) for e in events if e.clip is not None]
    assert len(clips) == 4 and all(c.get(cv2.CAP_PROP_FRAME_COUNT) >= 2 for c in clips)
