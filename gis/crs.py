"""Coordinate reference systems: EPSG:4326 (storage, lon/lat) and EPSG:5186 (metric work)."""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

import geopandas as gpd
import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"
"""Storage CRS: longitude/latitude degrees."""
METRIC = "EPSG:5186"
"""Working CRS for every metric computation: Korea 2000 / Central Belt 2010, metres."""

G = TypeVar("G", gpd.GeoDataFrame, gpd.GeoSeries)


class CRSError(ValueError):
    """Raised when data carry no CRS or an unexpected one."""


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_metric(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EPSG:4326 lon/lat degrees → EPSG:5186 x/y metres (vectorised)."""
    x, y = _transformer(WGS84, METRIC).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def metric_to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EPSG:5186 x/y metres → EPSG:4326 lon/lat degrees (vectorised)."""
    lon, lat = _transformer(METRIC, WGS84).transform(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def to_metric(data: G) -> G:
    """Reproject a GeoDataFrame/GeoSeries to EPSG:5186; data without a CRS are rejected."""
    if data.crs is None:
        raise CRSError("geometry has no CRS; set it (EPSG:4326 for lon/lat) before analysis")
    if CRS.from_user_input(data.crs) == CRS.from_user_input(METRIC):
        return data
    return data.to_crs(METRIC)


def to_wgs84(data: G) -> G:
    """Reproject a GeoDataFrame/GeoSeries to EPSG:4326 (for storage and GeoJSON output)."""
    if data.crs is None:
        raise CRSError("geometry has no CRS")
    if CRS.from_user_input(data.crs) == CRS.from_user_input(WGS84):
        return data
    return data.to_crs(WGS84)


def require_metric(data: gpd.GeoDataFrame | gpd.GeoSeries, what: str = "data") -> None:
    """Raise `CRSError` unless `data` is in EPSG:5186."""
    if data.crs is None or CRS.from_user_input(data.crs) != CRS.from_user_input(METRIC):
        raise CRSError(f"{what} must be in {METRIC}, got {data.crs}")
