"""Persisting each analysable camera's video analysis state (for filters, counts and pushes).

`cameras_analysis_refresh` (beat, every 10 s) reads the hosts' reports (`analysis_key`) with one
MGET per chunk, stores `CameraAnalysisState` only where it changed and pushes a
`camera.status_changed` frame per transition between known states (the very first check of a
camera is stored without a frame, so a fresh registry does not flood the consoles).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.cameras.models import CameraAnalysisState
from backend.cameras.selectors import (
    analysis_state_of,
    camera_analysable_list,
    camera_analyses,
)
from backend.realtime.publish import publish_many_on_commit

logger = logging.getLogger(__name__)

CHUNK = 1000
MAX_FRAMES = 1000  # per refresh; a host dying with more cameras than this is seen in the list


@dataclass(frozen=True)
class RefreshResult:
    checked: int = 0
    changed: int = 0
    cleared: int = 0  # cameras no longer analysable whose state was dropped
    frames: int = 0
    skipped: bool = False  # the video Redis could not be read


def _frame(camera: dict[str, Any], state: str, previous: str) -> tuple[str, int, dict[str, Any]]:
    """The alerts app's camera.status_changed frame, with the analysis transition added."""
    return (
        "camera.status_changed",
        camera["district_id"],
        {
            "camera": {
                "id": camera["id"],
                "code": camera["code"],
                "district_id": camera["district_id"],
                "lon": camera["location"].x,
                "lat": camera["location"].y,
                "status": camera["status"],
                "previous": camera["status"],
                "alert_id": None,
                "analysis_state": state,
                "previous_analysis_state": previous,
            }
        },
    )


def cameras_analysis_refresh() -> RefreshResult:
    """Bring the state up to date for every analysable camera; drop it for the others."""
    now = timezone.now()
    checked = changed = frames_sent = 0
    rows = (
        camera_analysable_list()
        .order_by()
        .values("id", "code", "district_id", "location", "status", "analysis__state")
    )
    chunk: list[dict[str, Any]] = []

    def flush() -> bool:
        nonlocal checked, changed, frames_sent
        analyses = camera_analyses(codes=[c["code"] for c in chunk])
        if analyses is None:
            return False
        updates: list[CameraAnalysisState] = []
        frames = []
        for camera in chunk:
            state = analysis_state_of(analyses.get(camera["code"]))
            previous = camera["analysis__state"] or ""
            if state == previous:
                continue
            updates.append(CameraAnalysisState(camera_id=camera["id"], state=state, checked_at=now))
            if previous and frames_sent + len(frames) < MAX_FRAMES:
                frames.append(_frame(camera, state, previous))
        with transaction.atomic():
            if updates:
                CameraAnalysisState.objects.bulk_create(
                    updates,
                    update_conflicts=True,
                    unique_fields=["camera"],
                    update_fields=["state", "checked_at"],
                )
            publish_many_on_commit(frames=frames)
        checked += len(chunk)
        changed += len(updates)
        frames_sent += len(frames)
        return True

    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            if not flush():
                return RefreshResult(checked=checked, changed=changed, skipped=True)
            chunk = []
    if chunk and not flush():
        return RefreshResult(checked=checked, changed=changed, skipped=True)
    cleared, _ = CameraAnalysisState.objects.exclude(
        camera__in=camera_analysable_list().values("pk")
    ).delete()
    if changed or cleared:
        logger.info(
            "analysis refresh: %d checked, %d changed, %d cleared", checked, changed, cleared
        )
    return RefreshResult(
        checked=checked, changed=changed, cleared=cleared, frames=frames_sent, skipped=False
    )
