"""Camera field-of-view footprints (EPSG:5186 polygons) from heading, field of view and range.

Camera columns understood (all optional except the point geometry):

``heading_deg``  compass bearing of the optical axis, degrees clockwise from north; NaN = unknown
``fov_deg``      horizontal field of view in degrees (≥ 360 = omnidirectional)
``range_m``      useful viewing distance in metres
``ptz``          pan-tilt-zoom camera (can look anywhere: footprint is the full circle)
``infrared``     has IR illumination (counts for night coverage)
``online``       False = offline (excluded from coverage)

A PTZ, 360° or unknown-heading camera gets a full circle of radius ``range_m``: where the
direction is unknown we count everything it *could* see, which is the upper bound planners get
from registry data without headings (say so when reporting such numbers).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from gis.crs import METRIC, to_metric

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FootprintDefaults:
    """Values used where a camera's own value is missing or invalid."""

    fov_deg: float = 90.0
    range_m: float = 50.0
    segments: int = 32
    """Arc vertices per footprint (the polygon is inscribed in the true arc)."""


@dataclass(frozen=True)
class CameraParams:
    """Cleaned per-camera arrays in EPSG:5186 (one entry per input row, same order)."""

    ids: NDArray[np.object_]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    heading: NDArray[np.float64]
    fov: NDArray[np.float64]
    range_m: NDArray[np.float64]
    full_circle: NDArray[np.bool_]
    infrared: NDArray[np.bool_]
    active: NDArray[np.bool_]
    """Online and with a usable location (finite point)."""
    segments: int = field(default=32)

    def __len__(self) -> int:
        return int(self.x.size)

    def take(self, which: NDArray[np.bool_] | NDArray[np.intp]) -> CameraParams:
        """A subset (boolean mask or integer positions)."""
        return CameraParams(
            self.ids[which],
            self.x[which],
            self.y[which],
            self.heading[which],
            self.fov[which],
            self.range_m[which],
            self.full_circle[which],
            self.infrared[which],
            self.active[which],
            self.segments,
        )


def _column(df: pd.DataFrame, name: str, default: object, dtype: type) -> NDArray[np.generic]:
    if name not in df.columns:
        return np.full(len(df), default, dtype=dtype)
    values = df[name]
    if dtype is bool:
        return values.astype(object).where(values.notna(), default).astype(bool).to_numpy()
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def make_params(
    ids: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    *,
    heading_deg: ArrayLike = np.nan,
    fov_deg: ArrayLike = np.nan,
    range_m: ArrayLike = np.nan,
    ptz: ArrayLike = False,
    infrared: ArrayLike = False,
    online: ArrayLike = True,
    defaults: FootprintDefaults | None = None,
) -> CameraParams:
    """Clean per-camera values (x/y in EPSG:5186 metres; scalars broadcast).

    NaN/≤0 fov or range fall back to ``defaults``; NaN heading, PTZ or fov ≥ 360 give a full
    circle; non-finite x/y or ``online`` False make the camera inactive.
    """
    d = defaults or FootprintDefaults()
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    n = xa.size

    def arr(v: ArrayLike, dtype: type) -> NDArray[Any]:
        return np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()

    ya = arr(y, float)
    heading = arr(heading_deg, float)
    fov = arr(fov_deg, float)
    fov = np.where(np.isfinite(fov) & (fov > 0), np.minimum(fov, 360.0), d.fov_deg)
    rng = arr(range_m, float)
    rng = np.where(np.isfinite(rng) & (rng > 0), rng, d.range_m)
    located = np.isfinite(xa) & np.isfinite(ya)
    return CameraParams(
        ids=np.atleast_1d(np.asarray(ids, dtype=object)),
        x=xa.copy(),
        y=ya,
        heading=np.mod(heading, 360.0),
        fov=fov,
        range_m=rng,
        full_circle=arr(ptz, bool) | (fov >= 360.0) | ~np.isfinite(heading),
        infrared=arr(infrared, bool),
        active=located & arr(online, bool),
        segments=d.segments,
    )


def camera_params(
    cameras: gpd.GeoDataFrame,
    defaults: FootprintDefaults | None = None,
    *,
    id_column: str | None = None,
) -> CameraParams:
    """Validate camera rows (points, any CRS) into EPSG:5186 arrays (see `make_params`).

    Non-point, empty or non-finite geometries make the camera inactive (logged).
    """
    metric = to_metric(cameras)
    geom = np.asarray(metric.geometry.array, dtype=object)
    is_point = (shapely.get_type_id(geom) == 0) & ~shapely.is_empty(geom)
    x = np.full(len(metric), np.nan)
    y = np.full(len(metric), np.nan)
    if is_point.any():
        pts = geom[is_point]
        x[is_point] = shapely.get_x(pts)
        y[is_point] = shapely.get_y(pts)
    located = np.isfinite(x) & np.isfinite(y)
    if (~located).any():
        log.warning("%d camera(s) without a usable point location ignored", int((~located).sum()))
    ids = metric[id_column].to_numpy(dtype=object) if id_column else metric.index.to_numpy(object)
    return make_params(
        ids,
        x,
        y,
        heading_deg=_column(metric, "heading_deg", np.nan, float),
        fov_deg=_column(metric, "fov_deg", np.nan, float),
        range_m=_column(metric, "range_m", np.nan, float),
        ptz=_column(metric, "ptz", False, bool),
        infrared=_column(metric, "infrared", False, bool),
        online=_column(metric, "online", True, bool),
        defaults=defaults,
    )


def footprint_rings(params: CameraParams) -> NDArray[np.float64]:
    """Closed CCW rings, shape ``(n, segments + 2, 2)``, EPSG:5186 metres.

    Sector: apex, ``segments`` arc vertices from bearing ``heading + fov/2`` down to
    ``heading - fov/2``, apex. Full circle: ``segments + 1`` vertices round the circle (first ==
    last) plus a repeated closing vertex (a zero-length edge, harmless for area and rasterising).
    """
    k = params.segments
    n = len(params)
    t = np.linspace(0.0, 1.0, k)
    half = params.fov[:, None] / 2.0
    sector_b = params.heading[:, None] + half - t[None, :] * 2.0 * half  # (n, k), decreasing
    circle_b = np.broadcast_to(-np.linspace(0.0, 360.0, k + 1), (n, k + 1))
    rings = np.empty((n, k + 2, 2))
    r = params.range_m[:, None]
    full = params.full_circle
    b = np.radians(sector_b)
    rings[:, 0, 0], rings[:, 0, 1] = params.x, params.y
    rings[:, 1 : k + 1, 0] = params.x[:, None] + r * np.sin(b)
    rings[:, 1 : k + 1, 1] = params.y[:, None] + r * np.cos(b)
    rings[:, k + 1, 0], rings[:, k + 1, 1] = params.x, params.y
    if full.any():
        cb = np.radians(circle_b[full])
        rf = r[full]
        rings[full, : k + 1, 0] = params.x[full, None] + rf * np.sin(cb)
        rings[full, : k + 1, 1] = params.y[full, None] + rf * np.cos(cb)
        rings[full, k + 1, :] = rings[full, k, :]
    return rings


def camera_footprints(
    cameras: gpd.GeoDataFrame,
    defaults: FootprintDefaults | None = None,
) -> gpd.GeoDataFrame:
    """Footprint polygon per camera (input any CRS → output EPSG:5186, same index).

    Columns: ``full_circle``, ``infrared``, ``active``, ``range_m``, ``fov_deg``, geometry.
    Inactive cameras (offline or without location) get an empty geometry.
    """
    p = camera_params(cameras, defaults)
    polys = np.full(len(p), shapely.Polygon(), dtype=object)
    if p.active.any():
        polys[p.active] = shapely.polygons(footprint_rings(p.take(p.active)))
    return gpd.GeoDataFrame(
        {
            "full_circle": p.full_circle,
            "infrared": p.infrared,
            "active": p.active,
            "range_m": p.range_m,
            "fov_deg": np.where(p.full_circle, 360.0, p.fov),
        },
        geometry=gpd.GeoSeries(polys, index=cameras.index, crs=METRIC),
        index=cameras.index,
    )
