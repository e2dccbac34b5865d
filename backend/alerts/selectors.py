"""Read-side alert queries, always scoped to the districts the user may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf

from backend.accounts.selectors import user_district_ids
from backend.alerts.models import Alert, AlertHistory, AlertStatus, DeadLetter
from backend.cameras.selectors import parse_bbox
from backend.config import env


def alert_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("camera")
    allowed = user_district_ids(user=user)
    if allowed is not None:
        qs = qs.filter(district_id__in=allowed)
    filters = filters or {}
    for key in ("status", "type", "severity"):
        if filters.get(key):
            qs = qs.filter(**{f"{key}__in": str(filters[key]).split(",")})
    if filters.get("district"):
        d = filters["district"]
        qs = qs.filter(Q(district__code=d) | Q(district__name_ko=d))
    if filters.get("camera"):
        qs = qs.filter(camera__code=filters["camera"])
    if filters.get("since"):
        qs = qs.filter(started_at__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(started_at__lt=filters["until"])
    if filters.get("bbox"):
        qs = qs.filter(location__within=parse_bbox(filters["bbox"]))
    return qs.order_by("-started_at", "-id")


def alert_get(*, user: Any, pk: int) -> Alert | None:
    return alert_list(user=user).filter(pk=pk).first()


def alert_notes(*, alert: Alert) -> QuerySet[AlertHistory]:
    """The notes of an alert (the caller has checked the user may see the alert), oldest first."""
    return AlertHistory.objects.filter(alert=alert, action="note").order_by("at", "id")


# Operator verdicts: dispatched/resolved alerts were real; false_positive ones were not.
CONFIRMED_STATUSES = (AlertStatus.DISPATCHED, AlertStatus.RESOLVED)


def alert_feedback_stats(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet:
    """False-positive feedback per camera and behaviour type, for tuning rule thresholds.

    One row per (camera, type) with alerts in scope: total, false_positive, confirmed
    (dispatched or resolved), open (not yet judged) and false_positive_rate = false_positive /
    (false_positive + confirmed), None while nothing was judged. Worst rate first, computed in
    the database (the caller paginates). Filters as for alert_list (type, district, camera,
    since, until, bbox); `min_judged` keeps rows with at least that many judged alerts.
    """
    filters = dict(filters or {})
    min_judged = int(filters.pop("min_judged", 0) or 0)
    filters.pop("status", None)
    fp = Count("id", filter=Q(status=AlertStatus.FALSE_POSITIVE))
    confirmed = Count("id", filter=Q(status__in=CONFIRMED_STATUSES))
    qs = (
        alert_list(user=user, filters=filters)
        .order_by()
        .values("camera_id", "type")
        .annotate(
            camera_code=F("camera__code"),
            district_id=F("district_id"),
            total=Count("id"),
            false_positive=fp,
            confirmed=confirmed,
        )
        .annotate(judged=F("false_positive") + F("confirmed"))
        .annotate(
            open=F("total") - F("judged"),
            false_positive_rate=Cast(F("false_positive"), FloatField()) / NullIf(F("judged"), 0),
        )
    )
    if min_judged:
        qs = qs.filter(judged__gte=min_judged)
    return qs.values(
        "camera_id",
        "camera_code",
        "district_id",
        "type",
        "total",
        "false_positive",
        "confirmed",
        "open",
        "false_positive_rate",
    ).order_by(
        F("false_positive_rate").desc(nulls_last=True), "-false_positive", "camera_code", "type"
    )


def dead_letter_list(*, reason: str | None = None) -> QuerySet[DeadLetter]:
    """Refused ingest messages, newest first (admins only: the caller checks the role)."""
    qs = DeadLetter.objects.order_by("-received_at", "-id")
    return qs.filter(reason=reason) if reason else qs


def alert_media_path(*, alert: Alert, kind: str) -> Path | None:
    """The snapshot (JPEG) or clip (MP4) file of an alert, only if it lies inside the worker
    media directory (a forged reference can never point elsewhere on disk)."""
    ref = alert.snapshot_ref if kind == "snapshot" else alert.clip_ref
    if not ref:
        return None
    root = env.WORKER_MEDIA_DIR.resolve()
    path = Path(ref)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
