"""The one wire shape of an alert: REST responses and WebSocket frames both use it."""

from __future__ import annotations

from typing import Any

from backend.alerts.models import Alert, DeadLetter


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "event_uuid": str(alert.event_uuid),
        "incident_id": alert.incident_id,
        "camera_id": alert.camera_id,
        "camera_code": alert.camera.code,
        "district_id": alert.district_id,
        "lon": alert.location.x,
        "lat": alert.location.y,
        "type": alert.type,
        "severity": alert.severity,
        "score": alert.score,
        "started_at": alert.started_at.isoformat(),
        "ended_at": alert.ended_at.isoformat() if alert.ended_at else None,
        "track_ids": alert.track_ids,
        "box": alert.box,
        "snapshot": alert.snapshot_ref or None,
        "clip": alert.clip_ref or None,
        "status": alert.status,
        "assignee_id": alert.assignee_id,
        "resolution_note": alert.resolution_note,
        "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None,
    }


def dead_letter_payload(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.pk,
        "received_at": letter.received_at.isoformat(),
        "reason": letter.reason,
        "detail": letter.detail,
        "payload": letter.payload,
        "raw": letter.raw,
    }
