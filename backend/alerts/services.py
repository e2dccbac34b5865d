"""Alert writes: idempotent ingest of contract events (single and bulk) and the workflow.

Every write is atomic; every pushed frame goes through realtime.publish inside the same
transaction (sent after commit). Ingest is idempotent: the unique event uuid makes redelivery
a no-op that returns the stored alert.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.roles import Role
from backend.accounts.selectors import user_district_ids, user_has_role
from backend.alerts.contract import ContractRefused, event_parse
from backend.alerts.models import (
    SEVERITY_RANK,
    Alert,
    AlertHistory,
    AlertStatus,
    DeadLetter,
    DeadLetterReason,
    Incident,
)
from backend.alerts.payloads import alert_payload
from backend.audit.services import audit_record
from backend.cameras.models import Camera, CameraStatus
from backend.cameras.services.cameras import camera_update
from backend.common.exceptions import ApplicationError
from backend.realtime.publish import publish_many_on_commit, publish_on_commit
from workers.contracts import BehaviourEvent

logger = logging.getLogger(__name__)

DEFAULT_INCIDENT_WINDOW_S = 300


def incident_window() -> timedelta:
    """Events of one camera and type starting within this time of the last one share an incident."""
    return timedelta(
        seconds=getattr(settings, "HAECHI_INCIDENT_WINDOW_S", DEFAULT_INCIDENT_WINDOW_S)
    )


@dataclass
class IngestResult:
    alert: Alert | None = None
    created: bool = False
    dead_letter: DeadLetter | None = None


@dataclass
class BulkIngestResult:
    created: list[Alert] = field(default_factory=list)
    duplicates: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


# ---------------------------------------------------------------------------------- ingest


def dead_letter_create(*, payload: Any, reason: str, detail: str) -> DeadLetter:
    try:
        json.dumps(payload)
        stored, raw = payload, ""
    except (TypeError, ValueError):
        stored, raw = None, repr(payload)[:10_000]
    letter = DeadLetter(reason=reason, detail=detail[:4000], payload=stored, raw=raw)
    letter.full_clean()
    letter.save()
    logger.warning("dead letter %s: %s", reason, detail[:200])
    return letter


def _parse(payload: Any) -> tuple[BehaviourEvent | None, DeadLetter | None]:
    try:
        return event_parse(payload=payload), None
    except ContractRefused as err:
        return None, dead_letter_create(payload=payload, reason=err.reason, detail=str(err))


def _alert_from(*, event: BehaviourEvent, camera: Camera, incident: Incident) -> Alert:
    return Alert(
        event_uuid=event.event_id,
        camera=camera,
        incident=incident,
        district_id=camera.district_id,
        location=camera.location,
        type=event.type,
        severity=event.severity,
        score=event.score,
        started_at=event.started_at,
        ended_at=event.ended_at,
        track_ids=list(event.track_ids),
        box=list(event.box) if event.box is not None else None,
        snapshot_ref=event.snapshot or "",
        clip_ref=event.clip or "",
    )


def alert_ingest(*, payload: Any) -> IngestResult:
    """Validate one contract message and store it as an alert (once, whatever the redelivery)."""
    event, letter = _parse(payload)
    if event is None:
        return IngestResult(dead_letter=letter)
    existing = Alert.objects.select_related("camera").filter(event_uuid=event.event_id).first()
    if existing is not None:
        return IngestResult(alert=existing, created=False)
    camera = Camera.objects.filter(code=event.camera).first()
    if camera is None:
        letter = dead_letter_create(
            payload=payload,
            reason=DeadLetterReason.UNKNOWN_CAMERA,
            detail=f"no camera with code {event.camera!r}",
        )
        return IngestResult(dead_letter=letter)
    try:
        with transaction.atomic():
            alert = _store(events=[event], cameras={camera.code: camera})[0]
    except IntegrityError:  # a concurrent delivery of the same event won the race
        existing = Alert.objects.select_related("camera").get(event_uuid=event.event_id)
        return IngestResult(alert=existing, created=False)
    return IngestResult(alert=alert, created=True)


def _store(*, events: list[BehaviourEvent], cameras: dict[str, Camera]) -> list[Alert]:
    """Insert alerts, incidents, history and frames for new events (inside a transaction).

    One query per table whatever the number of events: open incidents of the batch's
    (camera, type) pairs are read (and locked) at once, new ones are bulk-created.
    """
    window = incident_window()
    events = sorted(events, key=lambda e: e.started_at)
    camera_ids = {cameras[e.camera].pk for e in events}
    types = {e.type for e in events}
    current: dict[tuple[int, str], Incident] = {}
    candidates = (
        Incident.objects.select_for_update()
        .filter(
            camera_id__in=camera_ids, type__in=types, last_at__gte=events[0].started_at - window
        )
        .order_by("camera_id", "type", "-last_at")
    )
    for incident in candidates:
        current.setdefault((incident.camera_id, incident.type), incident)
    new: list[Incident] = []
    extended: dict[int, Incident] = {}
    alerts = []
    for event in events:
        camera = cameras[event.camera]
        key = (camera.pk, event.type)
        incident = current.get(key)
        if incident is not None and incident.last_at >= event.started_at - window:
            incident.last_at = max(incident.last_at, event.started_at)
            incident.alert_count += 1
            if SEVERITY_RANK[event.severity] > SEVERITY_RANK[incident.severity]:
                incident.severity = event.severity
            if incident.pk is not None:
                extended[incident.pk] = incident
        else:
            incident = Incident(
                camera_id=camera.pk,
                district_id=camera.district_id,
                type=event.type,
                severity=event.severity,
                first_at=event.started_at,
                last_at=event.started_at,
                alert_count=1,
            )
            new.append(incident)
            current[key] = incident
        alerts.append(_alert_from(event=event, camera=camera, incident=incident))
    Incident.objects.bulk_create(new)
    if extended:
        now = timezone.now()
        for incident in extended.values():
            incident.updated_at = now
        Incident.objects.bulk_update(
            list(extended.values()), ["last_at", "alert_count", "severity", "updated_at"]
        )
    if len(alerts) == 1:
        # field validation only: the FK constraints hold for camera/district/incident
        alerts[0].full_clean(
            exclude=["incident", "camera", "district", "assignee"], validate_unique=False
        )
    created = Alert.objects.bulk_create(alerts)
    AlertHistory.objects.bulk_create(
        AlertHistory(alert=a, action="created", to_status=AlertStatus.NEW) for a in created
    )
    frames = [("alert.created", a.district_id, {"alert": alert_payload(a)}) for a in created]
    frames += _camera_health_from(alerts=created)
    publish_many_on_commit(frames=frames)
    return created


# Behaviour types that say something about the camera itself, and the status they imply.
HEALTH_STATUS = {"offline": CameraStatus.OFFLINE, "tamper": CameraStatus.DEGRADED}


def _camera_health_from(*, alerts: list[Alert]) -> list[tuple[str, int | None, dict[str, Any]]]:
    """Offline/tamper events change the camera's registry status; returns the frames to push."""
    frames: list[tuple[str, int | None, dict[str, Any]]] = []
    seen: set[int] = set()
    for alert in alerts:
        status = HEALTH_STATUS.get(alert.type)
        if status is None or alert.camera_id in seen:
            continue
        seen.add(alert.camera_id)
        camera = Camera.objects.select_for_update().get(pk=alert.camera_id)
        previous = camera.status
        if previous == status:
            continue
        camera_update(camera=camera, data={"status": status}, actor=None)
        frames.append(
            (
                "camera.status_changed",
                camera.district_id,
                {
                    "camera": {
                        "id": camera.pk,
                        "code": camera.code,
                        "district_id": camera.district_id,
                        "lon": camera.location.x,
                        "lat": camera.location.y,
                        "status": status,
                        "previous": previous,
                        "alert_id": alert.pk,
                    }
                },
            )
        )
    return frames


def alerts_ingest_bulk(*, payloads: Iterable[Any]) -> BulkIngestResult:
    """Burst path: one query per table for a whole batch. Same guarantees as alert_ingest."""
    result = BulkIngestResult()
    events: dict[Any, BehaviourEvent] = {}
    raw_by_uuid: dict[Any, Any] = {}
    for payload in payloads:
        event, letter = _parse(payload)
        if event is None:
            result.dead_letters.append(letter)  # type: ignore[arg-type]
            continue
        if event.event_id in events:
            result.duplicates += 1
            continue
        events[event.event_id] = event
        raw_by_uuid[event.event_id] = payload
    if not events:
        return result
    known = set(
        Alert.objects.filter(event_uuid__in=list(events)).values_list("event_uuid", flat=True)
    )
    result.duplicates += len(known)
    fresh = [e for u, e in events.items() if u not in known]
    cameras = {
        c.code: c
        for c in Camera.objects.filter(code__in={e.camera for e in fresh}).only(
            "id", "code", "location", "district_id"
        )
    }
    storable = []
    for event in fresh:
        if event.camera in cameras:
            storable.append(event)
        else:
            result.dead_letters.append(
                dead_letter_create(
                    payload=raw_by_uuid[event.event_id],
                    reason=DeadLetterReason.UNKNOWN_CAMERA,
                    detail=f"no camera with code {event.camera!r}",
                )
            )
    if not storable:
        return result
    try:
        with transaction.atomic():
            result.created = _store(events=storable, cameras=cameras)
    except IntegrityError:
        # Another delivery inserted some of these meanwhile: fall back to one at a time.
        logger.info("bulk ingest conflict; retrying %d events one by one", len(storable))
        for event in storable:
            single = alert_ingest(payload=raw_by_uuid[event.event_id])
            if single.created:
                result.created.append(single.alert)  # type: ignore[arg-type]
            else:
                result.duplicates += 1
    return result


# -------------------------------------------------------------------------------- workflow

ACTOR_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.ADMIN}
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "acknowledge": ({AlertStatus.NEW}, AlertStatus.ACKNOWLEDGED),
    "dispatch": ({AlertStatus.NEW, AlertStatus.ACKNOWLEDGED}, AlertStatus.DISPATCHED),
    "resolve": ({AlertStatus.ACKNOWLEDGED, AlertStatus.DISPATCHED}, AlertStatus.RESOLVED),
    "false_positive": (
        {AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.DISPATCHED},
        AlertStatus.FALSE_POSITIVE,
    ),
}


def _can_act(*, user: Any, alert: Alert) -> bool:
    if not user_has_role(user=user, roles=ACTOR_ROLES):
        return False
    allowed = user_district_ids(user=user)
    return allowed is None or alert.district_id in allowed


def _locked(*, alert: Alert, actor: Any) -> Alert:
    locked = Alert.objects.select_for_update().select_related("camera").get(pk=alert.pk)
    if not _can_act(user=actor, alert=locked):
        raise ApplicationError("you may not act on this alert", code="forbidden")
    return locked


def _record(
    *, alert: Alert, actor: Any, action: str, from_status: str, note: str = "", data: dict
) -> None:
    AlertHistory.objects.create(
        alert=alert,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=alert.status,
        note=note,
        data=data,
    )
    audit_record(
        actor=actor,
        action=f"alert.{action}",
        target=alert,
        data={"from": from_status, "to": alert.status, "note": note, **data},
    )
    publish_on_commit(
        type="alert.updated", district_id=alert.district_id, data={"alert": alert_payload(alert)}
    )


def _transition(*, alert: Alert, actor: Any, action: str, note: str = "") -> Alert:
    with transaction.atomic():
        alert = _locked(alert=alert, actor=actor)
        sources, target = TRANSITIONS[action]
        before = alert.status
        if before not in sources:
            raise ApplicationError(
                f"cannot {action.replace('_', '-')} an alert that is {before}",
                code="bad_transition",
            )
        alert.status = target
        fields = ["status", "updated_at"]
        if note and action in ("resolve", "false_positive"):
            alert.resolution_note = note
            fields.append("resolution_note")
        alert.full_clean(validate_unique=False)
        alert.save(update_fields=fields)
        _record(alert=alert, actor=actor, action=action, from_status=before, note=note, data={})
    return alert


def alert_acknowledge(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    return _transition(alert=alert, actor=actor, action="acknowledge", note=note)


def alert_dispatch(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    return _transition(alert=alert, actor=actor, action="dispatch", note=note)


def alert_resolve(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    return _transition(alert=alert, actor=actor, action="resolve", note=note)


def alert_false_positive(*, alert: Alert, actor: Any, reason: str) -> Alert:
    if not reason.strip():
        raise ApplicationError("a false positive needs a reason", code="reason_required")
    return _transition(alert=alert, actor=actor, action="false_positive", note=reason.strip())


def alert_assign(*, alert: Alert, actor: Any, assignee: Any) -> Alert:
    with transaction.atomic():
        alert = _locked(alert=alert, actor=actor)
        if alert.status not in {s.value for s in TRANSITIONS["false_positive"][0]}:
            raise ApplicationError(f"cannot assign an alert that is {alert.status}", code="closed")
        if not _can_act(user=assignee, alert=alert):
            raise ApplicationError(
                "the assignee does not cover this alert's district", code="bad_assignee"
            )
        alert.assignee = assignee
        alert.save(update_fields=["assignee", "updated_at"])
        _record(
            alert=alert,
            actor=actor,
            action="assign",
            from_status=alert.status,
            data={"assignee_id": assignee.pk},
        )
    return alert


def alert_note_add(*, alert: Alert, actor: Any, note: str) -> AlertHistory:
    """Append a free-text note to the alert's history (append-only; status unchanged).

    Pushed as `alert.updated` with the note, so other consoles on the alert see it.
    """
    text = note.strip()
    if not text:
        raise ApplicationError("a note needs text", code="note_required")
    with transaction.atomic():
        alert = _locked(alert=alert, actor=actor)
        entry = AlertHistory(
            alert=alert,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action="note",
            from_status=alert.status,
            to_status=alert.status,
            note=text,
        )
        entry.full_clean()
        entry.save()
        audit_record(actor=actor, action="alert.note", target=alert, data={"note": text})
        publish_on_commit(
            type="alert.updated",
            district_id=alert.district_id,
            data={"alert": alert_payload(alert), "note": alert_note_payload(entry)},
        )
    return entry


def alert_note_payload(entry: AlertHistory) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "alert_id": entry.alert_id,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "note": entry.note,
    }


# ------------------------------------------------------------------------------ escalation

ESCALATE_SEVERITIES = ("high", "critical")  # severity >= high
ESCALATE_BATCH = 200  # alerts per run at most; the next run takes the rest
NEXT_SEVERITY = {"high": "critical", "critical": "critical"}


def escalate_after() -> timedelta:
    return timedelta(seconds=settings.HAECHI_ESCALATE_AFTER_S)


def alerts_escalate(
    *, now: datetime | None = None, after: timedelta | None = None, limit: int = ESCALATE_BATCH
) -> list[Alert]:
    """Escalate alerts of severity >= high still `new` `after` their arrival: once each.

    Severity goes one step up (high → critical; a critical alert keeps its severity and is
    re-notified), `escalated_at` is set, the history and the audit log record it, and an
    `alert.updated` frame with `"escalated": true` goes to the alert's district and to the
    city group (supervisors and admins). Rows another transaction holds (an agent acknowledging
    right now) are skipped; at most `limit` alerts per call, oldest first.
    """
    now = now or timezone.now()
    due_before = now - (after if after is not None else escalate_after())
    with transaction.atomic():
        alerts = list(
            Alert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("camera")
            .filter(
                status=AlertStatus.NEW,
                escalated_at__isnull=True,
                severity__in=ESCALATE_SEVERITIES,
                created_at__lte=due_before,
            )
            .order_by("created_at", "id")[:limit]
        )
        if not alerts:
            return []
        frames: list[tuple[str, int | None, dict[str, Any]]] = []
        history = []
        for alert in alerts:
            before = alert.severity
            alert.severity = NEXT_SEVERITY[before]
            alert.escalated_at = now
            alert.updated_at = now
            change = {
                "from_severity": before,
                "to_severity": alert.severity,
                "after_s": int((now - alert.created_at).total_seconds()),
            }
            history.append(
                AlertHistory(
                    alert=alert,
                    action="escalate",
                    from_status=alert.status,
                    to_status=alert.status,
                    data=change,
                )
            )
            audit_record(actor=None, action="alert.escalate", target=alert, data=change)
            frames.append(
                (
                    "alert.updated",
                    alert.district_id,
                    {"alert": alert_payload(alert), "escalated": True, "escalation": change},
                )
            )
        Alert.objects.bulk_update(alerts, ["severity", "escalated_at", "updated_at"])
        AlertHistory.objects.bulk_create(history)
        _incidents_raise(alerts=alerts)
        publish_many_on_commit(frames=frames)
    logger.info("escalated %d alert(s) still new after %s", len(alerts), now - due_before)
    return alerts


def _incidents_raise(*, alerts: list[Alert]) -> None:
    """An incident's severity is the highest of its alerts'."""
    top: dict[int, str] = {}
    for alert in alerts:
        current = top.get(alert.incident_id)
        if current is None or SEVERITY_RANK[alert.severity] > SEVERITY_RANK[current]:
            top[alert.incident_id] = alert.severity
    for incident_id, severity in top.items():
        lower = [s for s, rank in SEVERITY_RANK.items() if rank < SEVERITY_RANK[severity]]
        Incident.objects.filter(pk=incident_id, severity__in=lower).update(
            severity=severity, updated_at=timezone.now()
        )
