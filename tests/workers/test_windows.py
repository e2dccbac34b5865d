"""One analysis window: lease, pipeline, media, early publishing of confirmed events."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import redis

from tests.workers.synthetic import write_video
from workers.contracts import BehaviourEvent
from workers.leases import CameraSpec, Leases
from workers.publish import Publisher
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
