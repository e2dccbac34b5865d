"""Celery tasks (thin): schedule windows, analyse one window, flush the event outbox."""

from __future__ import annotations

import logging
import os
import socket
from functools import lru_cache
from typing import Any

import redis

from workers.celery_app import SCHEDULE_EVERY_S, app, create_producer
from workers.leases import CameraRegistry, Leases
from workers.publish import Publisher, RedisReceipts
from workers.settings import get_settings
from workers.windows import run_window

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().lease_redis_url, socket_timeout=5)


def _leases() -> Leases:
    return Leases(_redis(), get_settings().lease_ttl_s)


@lru_cache(maxsize=1)
def _publisher() -> Publisher:
    """Events go out once per process; with a Redis broker, until the ingest receipt is there."""
    settings = get_settings()
    receipts = None
    if settings.broker_url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            settings.broker_url, socket_timeout=5, socket_connect_timeout=2
        )
        receipts = RedisReceipts(client)
    return Publisher(create_producer(), settings.buffer_dir, receipts=receipts)


def worker_name(hostname: str | None = None) -> str:
    """This worker process's lease owner name."""
    return f"{hostname or socket.gethostname()}:{os.getpid()}"


@app.task(name="video.schedule", ignore_result=True)
def schedule() -> int:
    """Beat: queue a window for every camera that has no lease and no queued window."""
    leases = _leases()
    queued = 0
    codes = CameraRegistry(_redis()).codes()
    for code, owner in leases.owners(codes).items():
        if owner is None and leases.mark_pending(code, 3 * SCHEDULE_EVERY_S):
            analyse_window.apply_async(args=[code])
            queued += 1
    return queued


@app.task(name="video.analyse_window", bind=True, acks_late=True, ignore_result=True)
def analyse_window(self: Any, camera: str) -> dict[str, Any]:
    """Analyse one camera for one window (idempotent: a busy camera is left to its owner)."""
    settings = get_settings()
    leases = _leases()
    leases.clear_pending(camera)
    spec = CameraRegistry(_redis()).get(camera)
    if spec is None:
        return {"camera": camera, "status": "unknown_camera"}
    result = run_window(
        spec,
        leases=leases,
        owner=worker_name(self.request.hostname),
        publisher=_publisher(),
        window_s=settings.window_s,
        media_dir=settings.media_dir,
        detect_fps=settings.detect_fps,
    )
    if result.status == "done" and leases.mark_pending(camera, 3 * SCHEDULE_EVERY_S):
        analyse_window.apply_async(args=[camera])  # hand over: the next window, any worker
    return result.as_dict()


@app.task(name="video.flush_outbox", ignore_result=True)
def flush_outbox() -> int:
    """Beat: retry events buffered while the broker was away."""
    publisher = _publisher()
    publisher.flush()
    return len(publisher.pending())
