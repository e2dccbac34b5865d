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

from tests.workers.conftest import app_for, queued, queued_args, workers_redis_url
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


class ThreadSpy:
    """The real Celery app on the test Redis, noting which thread sends each task."""

    def __init__(self) -> None:
        self.app = app_for(workers_redis_url())
        self.threads: list[str] = []

    def send_task(self, name: str, args: Any = (), **options: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        return self.app.send_task(name, args=args, **options)


def _publisher(tmp_path: Path) -> Publisher:
    return Publisher(app_for(workers_redis_url()), tmp_path / "outbox")


def _blackout(i: int, img: np.ndarray) -> None:
    if i >= 25:
        img[:] = 0


def test_window_publishes_a_confirmed_event_with_media_before_the_incident_ends(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    video = write_video(tmp_path / "cam.mp4", frames=1500, draw=_blackout)  # 60 s, dark from 1 s
    spy = ThreadSpy()
    leases = Leases(redis_client, ttl_s=5)
    result = run_window(
        CameraSpec(code="CAM-W", url=str(video), detector=None),
        leases=leases, owner="me", publisher=Publisher(spy, tmp_path / "outbox"),
        window_s=60, media_dir=tmp_path / "media",
    )  # fmt: skip
    assert result.status == "done" and result.published == 1
    assert leases.owner("CAM-W") is None  # released
    # media + publishing ran on the window's media thread, not the thread reading the stream
    assert spy.threads[0].startswith("media-CAM-W")
    [message] = queued(redis_client)  # on the real broker's ingest queue
    assert message["headers"]["task"] == "alerts.ingest"
    event = BehaviourEvent.from_message(queued_args(redis_client)[0])
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
        leases=leases, owner="me", publisher=_publisher(tmp_path),
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
    result = run_window(
        CameraSpec(code="CAM-B", url="unused", detector=None),
        leases=Leases(redis_client, ttl_s=5), owner="me",
        publisher=_publisher(tmp_path), window_s=60,
        media_dir=tmp_path / "media", media=media,
    )  # fmt: skip
    return result, [BehaviourEvent.from_message(m) for m in queued_args(redis_client)]


def _stuck_media_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Callable[[], None], threading.Event]:
    """The media thread stays in its first job until `release` is set; returns (wait until
    that job runs, release)."""
    started, release = threading.Event(), threading.Event()
    attach = windows._attach_media

    def slow_attach(job: windows.MediaJob, *args: Any) -> BehaviourEvent:
        started.set()
        assert release.wait(10), "the test never released the media thread"
        return attach(job, *args)

    def first_job_running() -> None:
        assert started.wait(10)

    monkeypatch.setattr(windows, "_attach_media", slow_attach)
    return first_job_running, release


def test_a_media_backlog_stores_later_events_without_a_clip_but_publishes_all(
    monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # the media thread is stuck in the first job until every event was sent
    first_job_running, release = _stuck_media_thread(monkeypatch)
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


@pytest.mark.parametrize(("events", "skipped"), [(5, 0), (6, 1)])
def test_the_default_bound_keeps_the_clips_of_four_queued_events(
    monkeypatch: pytest.MonkeyPatch,
    redis_client: redis.Redis,
    tmp_path: Path,
    events: int,
    skipped: int,
) -> None:
    """One job running plus four waiting keep their clips; a fifth waiting one goes without."""
    assert MediaConfig().max_pending_clips == 4
    first_job_running, release = _stuck_media_thread(monkeypatch)
    pipeline = _burst_pipeline(events, after_first=first_job_running, at_end=release.set)
    result, published = _burst_window(monkeypatch, redis_client, tmp_path, pipeline)
    assert (result.published, result.clips_skipped) == (events, skipped)
    clips = [cv2.VideoCapture(e.clip) for e in published if e.clip is not None]
    assert len(clips) == events - skipped
    assert all(c.get(cv2.CAP_PROP_FRAME_COUNT) >= 2 for c in clips)
