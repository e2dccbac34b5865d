"""Blind spots: uncovered area per block, walkable-area study masks, risk ranking."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.blindspots import blind_spots, cells_to_polygon, study_mask, walkable_areas
from gis.coverage import CoverageModel, Zones
from gis.crs import METRIC
from gis.footprints import camera_params
from gis.grids import Grid

from .conftest import cameras


@pytest.fixture
def setup() -> tuple[CoverageModel, Zones]:
    # 200 m × 100 m district on a 1 m grid, blocks of 100 × 100 m (west block, east block).
    grid = Grid(0.0, 0.0, 1.0, 200, 100)
    district = gpd.GeoDataFrame({"code": ["D"]}, geometry=[shapely.box(0, 0, 200, 100)], crs=METRIC)
    zones = Zones.from_polygons("gu", grid, district, id_column="code")
    # one PTZ camera, r = 30 m, in the middle of the west block
    params = camera_params(cameras([{"x": 50.0, "y": 50.0, "range_m": 30.0, "ptz": True}]))
    return CoverageModel.build(params, grid, [zones]), zones


def test_uncovered_area_and_polygons(setup: tuple[CoverageModel, Zones]) -> None:
    model, zones = setup
    out = blind_spots(model.raster, zones, block_cells=100)
    assert len(out) == 2
    circle = 32 * 0.5 * 30**2 * np.sin(np.pi / 16)  # 32-gon inscribed in r = 30: 2809.3 m²
    east, west = out.iloc[0], out.iloc[1]  # uniform risk → the fully blind east block ranks first
    assert east["uncovered_m2"] == pytest.approx(10_000.0)
    assert west["uncovered_m2"] == pytest.approx(10_000.0 - circle, rel=0.01)
    assert east["rank"] == 1 and east.geometry.area == pytest.approx(10_000.0)
    assert west.geometry.area == pytest.approx(west["uncovered_m2"])
    assert not west.geometry.contains(shapely.Point(50, 50))  # the camera spot is covered
    assert out.crs.to_epsg() == 5186


def test_risk_reorders_blocks(setup: tuple[CoverageModel, Zones]) -> None:
    model, zones = setup
    risk = np.array([[10.0, 1.0]])  # block grid is 1 × 2: west risky, east quiet
    out = blind_spots(model.raster, zones, block_cells=100, risk=risk)
    assert out["zone_id"].tolist() == ["D", "D"]
    assert out.iloc[0].geometry.centroid.x < 100  # risky west block first despite its camera
    assert out.iloc[0]["score"] > out.iloc[1]["score"]
    with pytest.raises(ValueError, match="shape"):
        blind_spots(model.raster, zones, block_cells=100, risk=np.ones((2, 2)))


def test_walkable_mask_restricts_study_area(setup: tuple[CoverageModel, Zones]) -> None:
    model, zones = setup
    links = gpd.GeoDataFrame(
        {"gu_code": ["D"]}, geometry=[shapely.LineString([(0, 50), (200, 50)])], crs=METRIC
    )
    walk = walkable_areas(links, half_width_m=5.0)
    mask = study_mask(zones, walk)
    assert mask.sum() == pytest.approx(200 * 10, rel=0.02)  # a 10 m wide street
    out = blind_spots(model.raster, zones, mask=mask, block_cells=100, min_area_m2=1)
    # the camera covers 2·30 m of the street minus a bit (polygon inscribed in the circle)
    assert out["uncovered_m2"].sum() == pytest.approx(2000 - 60 * 10, rel=0.03)
    assert out["study_m2"].sum() == pytest.approx(mask.sum())


def test_cells_to_polygon_merges_runs() -> None:
    grid = Grid(0.0, 0.0, 2.0, 4, 3)
    cells = np.array([[1, 1, 0, 1], [1, 1, 0, 1], [0, 0, 0, 0]], dtype=bool)
    poly = cells_to_polygon(grid, cells)
    assert poly.area == pytest.approx(6 * 4.0)
    assert isinstance(poly, shapely.MultiPolygon) and len(poly.geoms) == 2
    assert cells_to_polygon(grid, np.zeros((3, 4), bool)).is_empty
