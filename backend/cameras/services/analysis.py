"""Persisting each analysable camera's video analysis state (for filters, counts and pushes).

`cameras_analysis_refresh` (beat, every 10 s) reads the hosts' reports (`analysis_key`) with one
MGET per chunk, stores `CameraAnalysisState` only where it changed and pushes a
`camera.status_changed` frame per transition between known states (the very first check of a
camera is stored without a frame, so a fresh registry does not flood the consoles).
A camera marked offline by an offline event is set online again (audited, pushed) as soon as a
host reports it watched: frames are flowing, so it is demonstrably back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.cameras.models import AnalysisState, Camera, CameraAnalysisState, CameraStatus
from backend.cameras.selectors import (
    analysis_state_of,
    camera_analysable_list,
    camera_analyses,
)
from backend.cameras.services.cameras import camera_update
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


def _camera_back_online(camera_id: int) -> None:
    """An offline camera a host watches again: online in the registry, pushed to consoles."""
    camera = Camera.objects.select_for_update().filter(pk=camera_id).first()
    if camera is None or camera.status != CameraStatus.OFFLINE:
        return
    camera_update(camera=camera, data={"status": CameraStatus.ONLINE}, actor=None)
    publish_many_on_commit(
        frames=[
            (
                "camera.status_changed",
                camera.district_id,
                {
                    "camera": {
                        "id": camera.id,
                        "code": camera.code,
                        "district_id": camera.district_id,
                        "lon": camera.location.x,
                        "lat": camera.location.y,
                        "status": CameraStatus.ONLINE,
                        "previous": CameraStatus.OFFLINE,
                        "alert_id": None,
                        "analysis_state": "watched",
                    }
                },
            )
        ]
    )
    logger.info("camera %s is watched again: back online", camera.code)


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
        recovered = [
            c
            for c in chunk
            if c["status"] == CameraStatus.OFFLINE
            and analyses.get(c["code"]) is not None
            and analysis_state_of(analyses[c["code"]]) == AnalysisState.WATCHED
        ]
        recovered_ids = {c["id"] for c in recovered}
        updates: list[CameraAnalysisState] = []
        frames = []
        for camera in chunk:
            state = analysis_state_of(analyses.get(camera["code"]))
            previous = camera["analysis__state"] or ""
            if state == previous:
                continue
            updates.append(CameraAnalysisState(camera_id=camera["id"], state=state, checked_at=now))
            back_online = camera["id"] in recovered_ids  # pushed with its own frame
            if previous and not back_online and frames_sent + len(frames) < MAX_FRAMES:
                frames.append(_frame(camera, state, previous))
        with transaction.atomic():
            for camera in recovered:
                _camera_back_online(camera["id"])
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
