"""Read-side queries of the registry, always scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point, Polygon
from django.db.models import Count, Q, QuerySet

from backend.accounts.selectors import user_district_ids
from backend.cameras.models import Camera, District
from backend.common.exceptions import ApplicationError

MAX_BBOX_DEG2 = 1.0  # ≈ 100 km × 90 km: all of Seoul fits comfortably


def parse_bbox(raw: str) -> Polygon:
    """'minlon,minlat,maxlon,maxlat' → Polygon; clear errors for malformed or absurd boxes."""
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError as err:
        raise ApplicationError(f"bbox must be 4 numbers: {raw!r}", code="bad_bbox") from err
    if len(values) != 4:
        raise ApplicationError("bbox must be minlon,minlat,maxlon,maxlat", code="bad_bbox")
    x1, y1, x2, y2 = values
    if not (-180 <= x1 < x2 <= 180 and -90 <= y1 < y2 <= 90):
        raise ApplicationError(
            "bbox must satisfy -180 ≤ minlon < maxlon ≤ 180 and -90 ≤ minlat < maxlat ≤ 90",
            code="bad_bbox",
        )
    if (x2 - x1) * (y2 - y1) > MAX_BBOX_DEG2:
        raise ApplicationError(
            "bbox is larger than 1 square degree; zoom in", code="bbox_too_large"
        )
    return Polygon.from_bbox((x1, y1, x2, y2))


def camera_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Camera]:
    qs = Camera.objects.select_related("district")
    allowed = user_district_ids(user=user)
    if allowed is not None:
        qs = qs.filter(district_id__in=allowed)
    filters = filters or {}
    if filters.get("bbox"):
        qs = qs.filter(location__within=parse_bbox(filters["bbox"]))
    if filters.get("district"):
        qs = qs.filter(
            Q(district__code=filters["district"]) | Q(district__name_ko=filters["district"])
        )
    for key in ("status", "kind"):
        if filters.get(key):
            qs = qs.filter(**{f"{key}__in": str(filters[key]).split(",")})
    if filters.get("ai") is not None:
        qs = qs.filter(has_ai=filters["ai"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(code__icontains=q) | Q(address__icontains=q))
    return qs.order_by("code")


def camera_get(*, user: Any, pk: int) -> Camera | None:
    return camera_list(user=user).filter(pk=pk).first()


def district_list(*, user: Any) -> QuerySet[District]:
    qs = District.objects.annotate(
        camera_count=Count("cameras"),
        ai_camera_count=Count("cameras", filter=Q(cameras__has_ai=True)),
        offline_count=Count("cameras", filter=Q(cameras__status="offline")),
    )
    allowed = user_district_ids(user=user)
    if allowed is not None:
        qs = qs.filter(id__in=allowed)
    return qs.order_by("code")


def district_for_point(*, point: Point) -> District | None:
    return District.objects.filter(geom__contains=point).first()


def rollout_progress(*, user: Any) -> dict[str, Any]:
    """AI rollout against the city's plan: cameras per kind and rollout stage, and phase 1."""
    from backend.cameras.services.seeding import PHASE1, PLAN

    qs = camera_list(user=user)
    by_kind: dict[str, dict[str, int]] = {}
    for kind, stage, n in (
        qs.values_list("kind", "rollout_stage").annotate(n=Count("id")).order_by()
    ):
        by_kind.setdefault(kind, {})[stage] = n
    health = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "plan": {**PLAN, "phase1": PHASE1},
        "kinds": {
            kind: {"total": sum(stages.values()), "stages": stages}
            for kind, stages in by_kind.items()
        },
        "phase1": {
            "total": qs.filter(rollout_phase=1).count(),
            "live": qs.filter(rollout_phase=1, rollout_stage="live").count(),
        },
        "status": health,
    }
