"""Read-side queries of the registry, always scoped to what the user may see."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import redis
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from backend.accounts.selectors import user_district_ids
from backend.cameras.models import ANALYSABLE_STATUSES, AnalysisState, Camera, District
from backend.cameras.video_redis import video_redis
from backend.common.exceptions import ApplicationError
from workers.contracts import CameraAnalysis, analysis_key

logger = logging.getLogger(__name__)
ANALYSIS_FIELDS = ("host", "since", "fps", "last_frame_at", "skipped_fraction", "lag_s", "error")
ANALYSABLE = Q(has_ai=True, status__in=ANALYSABLE_STATUSES) & ~Q(stream_url="")
NOT_WATCHED_STATES = (AnalysisState.NOT_WATCHED, AnalysisState.ERROR)
# An analysable camera the refresh has not checked yet (no state row) is not watched either.
NOT_WATCHED = Q(analysis__state__in=NOT_WATCHED_STATES) | Q(analysis__isnull=True)

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
    qs = Camera.objects.select_related("district", "analysis")
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
    if filters.get("analysis"):
        states = str(filters["analysis"]).split(",")
        wanted = Q(analysis__state__in=states)
        if AnalysisState.NOT_WATCHED in states:
            wanted |= Q(analysis__isnull=True)
        qs = qs.filter(ANALYSABLE, wanted)
    return qs.order_by("code")


def camera_analysable_list() -> QuerySet[Camera]:
    """Cameras the video hosts must watch: AI, a watchable status and a stream URL."""
    return Camera.objects.filter(ANALYSABLE)


def camera_is_analysable(*, camera: Camera) -> bool:
    return bool(camera.has_ai and camera.status in ANALYSABLE_STATUSES and camera.stream_url)


def camera_analyses(*, codes: Iterable[str]) -> dict[str, CameraAnalysis | None] | None:
    """What the video hosts report per camera code (None: no host watches it), one MGET.

    Returns None when the video Redis cannot be read (callers fall back to the stored state).
    Malformed reports are logged and read as an error report.
    """
    codes = list(codes)
    if not codes:
        return {}
    try:
        raw = video_redis().mget([analysis_key(c) for c in codes])
    except redis.RedisError as err:
        logger.warning("cannot read camera analysis from the video Redis: %s", err)
        return None
    return {
        code: analysis_parse(code=code, raw=value) for code, value in zip(codes, raw, strict=True)
    }


def analysis_parse(*, code: str, raw: str | bytes | None) -> CameraAnalysis | None:
    if raw is None:
        return None
    try:
        return CameraAnalysis.model_validate_json(raw)
    except ValueError as err:
        logger.warning("malformed analysis report for camera %s: %s", code, err)
        return CameraAnalysis(
            camera=code,
            host="unknown",
            since=timezone.now(),
            fps=0,
            error="malformed analysis report",
            updated_at=timezone.now(),
        )


def analysis_state_of(analysis: CameraAnalysis | None) -> str:
    """watched | not_watched | error for an analysable camera."""
    return AnalysisState.NOT_WATCHED if analysis is None else analysis.state


def analysis_fields(analysis: CameraAnalysis | None) -> dict[str, Any] | None:
    """The API's `properties.analysis` object (ISO times), or None."""
    if analysis is None:
        return None
    data = analysis.model_dump(mode="json", include=set(ANALYSIS_FIELDS))
    return {f: data.get(f) for f in ANALYSIS_FIELDS}


def camera_get(*, user: Any, pk: int) -> Camera | None:
    return camera_list(user=user).filter(pk=pk).first()


def district_list(*, user: Any) -> QuerySet[District]:
    qs = District.objects.annotate(
        camera_count=Count("cameras"),
        ai_camera_count=Count("cameras", filter=Q(cameras__has_ai=True)),
        offline_count=Count("cameras", filter=Q(cameras__status="offline")),
        ai_not_watched_count=Count(
            "cameras",
            filter=Q(
                cameras__has_ai=True,
                cameras__status__in=ANALYSABLE_STATUSES,
            )
            & ~Q(cameras__stream_url="")
            & (
                Q(cameras__analysis__state__in=NOT_WATCHED_STATES)
                | Q(cameras__analysis__isnull=True)
            ),
        ),
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
    analysis = dict(
        qs.filter(ANALYSABLE).values_list("analysis__state").annotate(n=Count("id")).order_by()
    )
    unwatched = (
        qs.filter(ANALYSABLE, NOT_WATCHED)
        .values("district_id", "district__code", "district__name_ko")
        .annotate(n=Count("id"))
        .order_by("district__code")
    )
    districts = [
        {"district_id": r["district_id"], "code": r["district__code"],
         "district": r["district__name_ko"], "unwatched": r["n"]}
        for r in unwatched
    ]  # fmt: skip
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
        # Analysable AI cameras by video analysis state (unchecked: not yet seen by the refresh).
        "analysis": {
            "analysable": sum(analysis.values()),
            **{state: analysis.get(state, 0) for state in AnalysisState.values},
            "unchecked": analysis.get(None, 0),
        },
        # Analysable AI cameras not watched (or in error) per district, and in total.
        "districts": districts,
        "unwatched_total": sum(d["unwatched"] for d in districts),
    }


def camera_feature_context(*, user: Any, cameras: Iterable[Camera]) -> dict[str, Any]:
    """Serializer context for a page of cameras: their live analyses and credential exposure."""
    from backend.accounts.roles import Role
    from backend.accounts.selectors import user_has_role

    return {
        "analyses": camera_analyses(codes=[c.code for c in cameras]),
        "reveal_credentials": user_has_role(user=user, roles={Role.ADMIN}),
    }
