"""Read-side alert queries, always scoped to the districts the user may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet

from backend.accounts.selectors import user_district_ids
from backend.alerts.models import Alert, DeadLetter
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


def dead_letter_list() -> QuerySet[DeadLetter]:
    return DeadLetter.objects.order_by("-received_at", "-id")


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
