"""Synthetic camera registries for benchmarks and demos (EPSG:5186), placed inside real areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from gis.crs import METRIC


def points_in_area(
    area: shapely.Geometry,
    n: int,
    rng: np.random.Generator,
    *,
    clusters: int = 3000,
    cluster_share: float = 0.7,
    sigma_m: float = 250.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` points inside an EPSG:5186 polygon: a share around random cluster centres
    (Gaussian, ``sigma_m``) to mimic dense neighbourhoods, the rest uniform (rejection sampling).
    """
    shapely.prepare(area)
    minx, miny, maxx, maxy = area.bounds

    def uniform(k: int) -> NDArray[np.float64]:
        out: list[NDArray[np.float64]] = []
        got = 0
        while got < k:
            xy = rng.uniform((minx, miny), (maxx, maxy), (2 * k + 16, 2))
            xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
            out.append(xy)
            got += len(xy)
        return np.concatenate(out)[:k]

    centres = uniform(clusters)
    n_cl = round(n * cluster_share)
    pts: list[NDArray[np.float64]] = [uniform(n - n_cl)]
    got = 0
    while got < n_cl:
        c = centres[rng.integers(0, clusters, 2 * (n_cl - got) + 16)]
        xy = c + rng.normal(0.0, sigma_m, c.shape)
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])][: n_cl - got]
        pts.append(xy)
        got += len(xy)
    xy = np.concatenate(pts)
    return xy[:, 0], xy[:, 1]


def synthetic_cameras(areas: ArrayLike, n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` cameras (EPSG:5186) inside the union of ``areas`` (EPSG:5186 polygons).

    Attributes: heading uniform (15 % unknown = NaN), fov 60/90/110°, 10 % PTZ, range 20–60 m,
    60 % infrared; index 0…n-1 is the camera id.
    """
    rng = np.random.default_rng(seed)
    area = shapely.union_all(np.asarray(areas, dtype=object))
    x, y = points_in_area(area, n, rng)
    heading = rng.uniform(0.0, 360.0, n)
    heading[rng.random(n) < 0.15] = np.nan
    return gpd.GeoDataFrame(
        {
            "heading_deg": heading,
            "fov_deg": rng.choice([60.0, 90.0, 110.0], n),
            "range_m": rng.uniform(20.0, 60.0, n),
            "ptz": rng.random(n) < 0.10,
            "infrared": rng.random(n) < 0.60,
        },
        geometry=gpd.points_from_xy(x, y),
        crs=METRIC,
    )
