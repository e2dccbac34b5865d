"""Live cameras for host tests: the simulator's RTSP server replaying synthetic clips."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import redis

from tests.workers.conftest import app_for, queued_args, workers_redis_url
from tests.workers.synthetic import write_video
from workers.contracts import CameraAnalysis, analysis_key
from workers.host.host import CameraHost
from workers.publish import Publisher
from workers.simulator.rtsp import H264Source, RtspServer

PERSON_BOX = [120.0, 60.0, 170.0, 200.0]  # the scripted detector's person, in 320x240 pixels


def _walker(i: int, img: np.ndarray) -> None:
    x = 10 + (i * 4) % 260
    cv2.rectangle(img, (x, 90), (x + 30, 190), (240, 240, 240), -1)


@pytest.fixture(scope="module")
def rtsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    """Cameras CAM-1 … CAM-4, each a looped 10 s synthetic scene with a moving shape."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (simulated RTSP cameras encode with it)")
    clip = write_video(tmp_path_factory.mktemp("clips") / "walk.mp4", frames=250, draw=_walker)
    server = RtspServer([H264Source(f"CAM-{i}", clip) for i in range(1, 5)]).start()
    yield server
    server.stop()


def closed_port_url() -> str:
    """An RTSP URL nobody answers (a port that was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"rtsp://127.0.0.1:{port}/gone"


def make_host(
    client: redis.Redis, tmp_path: Path, *, name: str = "h1", capacity: int = 8, **kwargs: Any
) -> CameraHost:
    """A host on the test Redis with short timings; events go to the test broker's queue."""
    options: dict[str, Any] = {
        "ttl_s": 3.0,
        "tick_s": 0.3,
        "assign_every_s": 0.5,
        "warm": True,  # models compile before the host takes cameras, as in production
        "detector_settings": {
            "scripted": {"frames": [[{"label": "person", "box": PERSON_BOX}]], "loop": True}
        },
    }
    options.update(kwargs)
    return CameraHost(
        name=name,
        capacity=capacity,
        client=client,
        publisher=Publisher(app_for(workers_redis_url()), tmp_path / f"outbox-{name}"),
        media_dir=tmp_path / "media",
        **options,
    )


def analysis(client: redis.Redis, code: str) -> CameraAnalysis | None:
    raw = client.get(analysis_key(code))
    return None if raw is None else CameraAnalysis.model_validate_json(raw)


def events(client: redis.Redis, type_: str | None = None) -> list[dict[str, Any]]:
    """Contract messages in the test broker's ingest queue (optionally of one type)."""
    return [e for e in queued_args(client) if type_ is None or e["type"] == type_]
