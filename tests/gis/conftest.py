"""Shared helpers for gis tests (pure analysis: no database)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.crs import METRIC
from gis.grids import Grid

ORIGIN = (200_000.0, 550_000.0)  # a point in central Seoul, EPSG:5186 metres


def square(cx: float, cy: float, half: float) -> shapely.Polygon:
    return shapely.box(cx - half, cy - half, cx + half, cy + half)


@pytest.fixture
def district() -> gpd.GeoDataFrame:
    """One 200 m × 200 m district centred on ORIGIN (EPSG:5186)."""
    return gpd.GeoDataFrame(
        {"code": ["D1"], "name": ["test-gu"]}, geometry=[square(*ORIGIN, 100.0)], crs=METRIC
    )


@pytest.fixture
def fine_grid() -> Grid:
    """1 m grid over 400 m × 400 m around ORIGIN."""
    return Grid.from_bounds(square(*ORIGIN, 200.0).bounds, 1.0)


def cameras(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Camera GeoDataFrame from dicts with x, y (EPSG:5186) and optional attributes."""
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k not in ("x", "y")} for r in rows],
        geometry=[shapely.Point(r["x"], r["y"]) for r in rows],  # type: ignore[arg-type]
        crs=METRIC,
    )
    return frame


def random_cameras(n: int, seed: int, half: float = 150.0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    head = rng.uniform(0, 360, n)
    head[rng.random(n) < 0.2] = np.nan
    return gpd.GeoDataFrame(
        {
            "heading_deg": head,
            "fov_deg": rng.choice([45.0, 90.0, 200.0, 360.0], n),
            "range_m": rng.uniform(10, 60, n),
            "ptz": rng.random(n) < 0.1,
            "infrared": rng.random(n) < 0.5,
        },
        geometry=gpd.points_from_xy(
            ORIGIN[0] + rng.uniform(-half, half, n), ORIGIN[1] + rng.uniform(-half, half, n)
        ),
        crs=METRIC,
    )
