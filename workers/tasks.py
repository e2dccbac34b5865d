"""Celery tasks (thin): assignment rounds and the event outbox. Cameras are watched by hosts
(workers.host), not by tasks: a task is short, a camera is watched for as long as it is leased."""

from __future__ import annotations

from typing import Any

from workers.celery_app import app
from workers.host.assignment import assign_round
from workers.host.runtime import publisher, video_redis
from workers.settings import get_settings


@app.task(name="video.assign", ignore_result=True)
def assign() -> dict[str, Any] | None:
    """Beat: one fleet-wide assignment round (skipped when a host just ran one)."""
    settings = get_settings()
    return assign_round(video_redis(), ttl_s=settings.lease_ttl_s, every_s=settings.assign_every_s)


@app.task(name="video.flush_outbox", ignore_result=True)
def flush_outbox() -> int:
    """Beat: retry events buffered while the broker was away."""
    events = publisher()
    events.flush()
    return len(events.pending())
