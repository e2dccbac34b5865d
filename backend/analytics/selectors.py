"""Read side of analytics: registry → numpy/GeoDataFrames for gis/, and persisted results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import QuerySet
from numpy.typing import NDArray

from backend.analytics.models import (
    AnalysisRun,
    BlindSpot,
    CrimeStat,
    DistrictCoverage,
    DongCoverage,
    Hotspot,
    Period,
    SiteRecommendation,
)
from backend.common.exceptions import ApplicationError

ACTIVE_STATUSES = ("online", "degraded")
"""Cameras that record and therefore cover their footprint (offline/maintenance/planned don't)."""
MAX_LIMIT = 5000


@dataclass(frozen=True)
class CameraArrays:
    """Every registry camera as arrays (lon/lat EPSG:4326), straight from SQL, no ORM objects."""

    ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    heading_deg: NDArray[np.float64]
    fov_deg: NDArray[np.float64]
    range_m: NDArray[np.float64]
    ptz: NDArray[np.bool_]
    infrared: NDArray[np.bool_]
    online: NDArray[np.bool_]


def cameras_arrays() -> CameraArrays:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, ST_X(location), ST_Y(location), heading_deg, fov_deg, range_m, has_ptz, "
            "has_infrared, status = ANY(%s) FROM cameras_camera ORDER BY id",
            [list(ACTIVE_STATUSES)],
        )
        rows = cur.fetchall()
    if not rows:
        empty = np.zeros(0)
        return CameraArrays(
            np.zeros(0, np.int64), empty, empty, empty, empty, empty, *(np.zeros(0, bool),) * 3
        )
    cols = list(zip(*rows, strict=True))
    as_float = lambda v: np.array(v, dtype=float)  # noqa: E731  (None → nan)
    return CameraArrays(
        ids=np.array(cols[0], dtype=np.int64),
        lon=as_float(cols[1]),
        lat=as_float(cols[2]),
        heading_deg=as_float(cols[3]),
        fov_deg=as_float(cols[4]),
        range_m=as_float(cols[5]),
        ptz=np.array(cols[6], dtype=bool),
        infrared=np.array(cols[7], dtype=bool),
        online=np.array(cols[8], dtype=bool),
    )


def districts_frame() -> gpd.GeoDataFrame:
    """Districts (EPSG:4326): id, code, name_ko, geometry."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, code, name_ko, ST_AsBinary(geom) FROM cameras_district ORDER BY code"
        )
        rows = cur.fetchall()
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "code": [r[1] for r in rows],
            "name_ko": [r[2] for r in rows],
        },
        geometry=shapely.from_wkb([bytes(r[3]) for r in rows]),
        crs="EPSG:4326",
    )


def incident_points() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Point incidents (alert locations, lon/lat) when the alerts app holds any."""
    from django.apps import apps

    if not apps.is_installed("backend.alerts"):
        return np.zeros(0), np.zeros(0)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(location), ST_Y(location) FROM alerts_alert "
            "WHERE status <> 'false_positive'"
        )
        rows = cur.fetchall()
    arr = np.array(rows, dtype=float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def crime_totals_latest() -> tuple[int | None, dict[int, int]]:
    """(year, {district id: total five-major-crimes occurred}) of the latest imported year."""
    latest = CrimeStat.objects.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return None, {}
    rows = CrimeStat.objects.filter(year=latest, crime_type="total").values_list(
        "district_id", "occurred"
    )
    return latest, dict(rows)


def period_parse(raw: str | None) -> str:
    period = raw or Period.DAY
    if period not in Period.values:
        raise ApplicationError(f"period must be one of {Period.values}", code="bad_period")
    return period


def limit_parse(raw: str | None, *, default: int = 500) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as err:
        raise ApplicationError("limit must be an integer", code="bad_limit") from err
    if not 1 <= value <= MAX_LIMIT:
        raise ApplicationError(f"limit must be between 1 and {MAX_LIMIT}", code="bad_limit")
    return value


def coverage_list(*, period: str) -> QuerySet[DistrictCoverage]:
    return DistrictCoverage.objects.filter(period=period).select_related("district")


def district_code_parse(raw: str | None) -> str | None:
    """A gu code filter (e.g. 11140): None when absent; 400 when malformed or unknown."""
    if raw in (None, ""):
        return None
    from backend.cameras.models import District

    if not (raw.isascii() and raw.isdigit() and len(raw) == 5):
        raise ApplicationError(
            "district must be a 5-digit gu code, e.g. 11140", code="bad_district"
        )
    if not District.objects.filter(code=raw).exists():
        raise ApplicationError(f"unknown district {raw}", code="bad_district")
    return raw


def dong_coverage_list(*, period: str, district: str | None = None) -> QuerySet[DongCoverage]:
    """Coverage per 행정동 for a period, optionally of one district (gu code, e.g. 11140)."""
    qs = DongCoverage.objects.filter(period=period).select_related("district")
    if district:
        qs = qs.filter(district__code=district)
    return qs.order_by("dong_code")


def blindspot_list(
    *, period: str, bbox: Polygon | None = None, limit: int = 500, district: str | None = None
) -> QuerySet[BlindSpot]:
    qs = BlindSpot.objects.filter(period=period).select_related("district")
    if bbox is not None:
        qs = qs.filter(geom__intersects=bbox)
    if district:
        qs = qs.filter(district__code=district)
    return qs.order_by("rank")[:limit]


def hotspot_list(
    *, bbox: Polygon | None = None, classes: list[str] | None = None, limit: int = 500
) -> QuerySet[Hotspot]:
    qs = Hotspot.objects.all()
    if bbox is not None:
        qs = qs.filter(geom__intersects=bbox)
    if classes:
        qs = qs.filter(hotspot_class__in=classes)
    return qs.order_by("-gi_z", "id")[:limit]


def site_list(*, k: int) -> QuerySet[SiteRecommendation]:
    return SiteRecommendation.objects.select_related("district").order_by("rank")[:k]


def run_latest(*, kind: str) -> AnalysisRun | None:
    return AnalysisRun.objects.filter(kind=kind).order_by("-created_at", "-id").first()


def k_parse(raw: str | None, *, available: int) -> int:
    if raw in (None, ""):
        return min(available, 100)
    try:
        k = int(raw)
    except ValueError as err:
        raise ApplicationError("k must be an integer", code="bad_k") from err
    if k < 1:
        raise ApplicationError("k must be ≥ 1", code="bad_k")
    if k > available:
        raise ApplicationError(
            f"only {available} sites were computed; run compute_analytics --k {k} first",
            code="k_too_large",
            details={"available": available},
        )
    return k


def as_float_or_none(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
