"""Fixtures for worker tests: a private Redis database (DB 3 of the test Redis), a Celery app
on it, and a reader of the messages it queued."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
import pytest
import redis
from celery import Celery

from tests.workers.synthetic import write_video
from workers.simulator.rtsp import H264Source, RtspServer

WORKERS_REDIS_DB = 3


def workers_redis_url() -> str:
    """REDIS_URL with our own database number, so other suites never see our keys."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
    return base.rsplit("/", 1)[0] + f"/{WORKERS_REDIS_DB}"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(workers_redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as err:
        pytest.skip(
            f"Redis not running at {workers_redis_url()} ({err}); run scripts/services.sh start"
        )
    client.flushdb()
    yield client
    client.flushdb()


def app_for(url: str) -> Celery:
    """A real Celery app on the broker at `url` that fails fast when the broker is away."""
    app = Celery("worker_tests", broker=url)
    app.conf.broker_transport_options = {
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
        "max_retries": 0,
    }
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    return app


def queued(client: redis.Redis) -> list[dict[str, Any]]:
    """Messages waiting in the 'ingest' list of the Redis broker, oldest first."""
    raw = client.lrange("ingest", 0, -1)
    return [json.loads(m) for m in reversed(raw)]


def queued_args(client: redis.Redis) -> list[Any]:
    """The first task argument of each queued 'ingest' message (the contract message)."""
    return [json.loads(base64.b64decode(m["body"]))[0][0] for m in queued(client)]


def require_face_model() -> None:
    """Skip the calling test unless the BlazeFace IR is built (never downloads)."""
    from workers.models import ModelFetchError, ensure_model

    try:
        ensure_model("face_detection", "fp32", download=False)
    except ModelFetchError as err:
        pytest.skip(f"face model not built ({err}); run `python -m workers models fetch`")


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
