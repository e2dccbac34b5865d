"""Host tests: a host on the test Redis with short timings, and readers of what it reports
(the live cameras, `rtsp`, come from tests/workers/conftest.py)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import redis

from tests.workers.conftest import app_for, queued_args, workers_redis_url
from workers.contracts import CameraAnalysis, analysis_key
from workers.host.host import CameraHost
from workers.publish import Publisher

PERSON_BOX = [120.0, 60.0, 170.0, 200.0]  # the scripted detector's person, in 320x240 pixels


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
