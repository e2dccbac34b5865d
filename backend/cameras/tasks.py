"""Celery entry points of the registry's live path: thin, named, idempotent, time-boxed."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from backend.cameras.services.analysis import cameras_analysis_refresh
from backend.cameras.services.video_sync import cameras_video_reconcile


@shared_task(name="cameras.video_reconcile", acks_late=True, time_limit=120)
def cameras_video_reconcile_task() -> dict[str, Any]:
    """Periodic (backend.cameras.schedule): the hosts' camera set := the analysable registry."""
    result = cameras_video_reconcile()
    return {"desired": result.desired, "written": result.written, "removed": result.removed}


@shared_task(name="cameras.analysis_refresh", acks_late=True, time_limit=30)
def cameras_analysis_refresh_task() -> dict[str, Any]:
    """Periodic: store each analysable camera's analysis state, push transitions."""
    result = cameras_analysis_refresh()
    return {"checked": result.checked, "changed": result.changed, "skipped": result.skipped}
