"""Blind spots: uncovered area per block, walkable-area study masks, risk ranking."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.blindspots import (
    blind_spots,
    cells_to_polygon,
    study_mask,
    walkable_areas,
    walkable_mask,
    walkable_zone_mask,
)
from gis.coverage import CoverageModel, Zones
from gis.crs import METRIC
from gis.footprints import camera_params
from gis.grids import Grid, polygon_mask

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


def _exact_mask(grid: Grid, lines: list[shapely.Geometry], r: float) -> np.ndarray:
    """Reference: cell centres within r of any line (shapely distance, cell by cell)."""
    xs, ys = np.meshgrid(grid.centers_x(), grid.centers_y())
    pts = shapely.points(xs.ravel(), ys.ravel())
    dist = np.min([shapely.distance(pts, line) for line in lines], axis=0)
    return (dist <= r).reshape(grid.shape)


def test_rasterised_walk_mask_is_a_10_m_street(setup: tuple[CoverageModel, Zones]) -> None:
    model, zones = setup
    line = shapely.LineString([(0, 50), (200, 50)])
    walk = walkable_mask(zones.grid, [line], half_width_m=5.0)
    # centres 45.5 … 54.5 are within 5 m of y = 50: 10 rows × 200 columns
    assert walk.sum() == 2000
    assert walk[45:55].all() and not walk[:45].any() and not walk[55:].any()
    mask = walkable_zone_mask(zones, walk, {"D"})
    out = blind_spots(model.raster, zones, mask=mask, block_cells=100, min_area_m2=1)
    assert out["uncovered_m2"].sum() == pytest.approx(2000 - 60 * 10, rel=0.03)


def test_rasterised_walk_mask_matches_distance_to_polylines() -> None:
    grid = Grid(0.0, 0.0, 2.0, 120, 90)  # 240 m × 180 m, 2 m cells
    lines = [
        shapely.LineString([(10, 10), (230, 170), (230, 20)]),  # diagonal then straight down
        shapely.LineString([(20, 150), (60, 151), (61, 100)]),
        shapely.LineString([(150, 90), (150.3, 90.2)]),  # a link shorter than a cell
    ]
    got = walkable_mask(grid, lines, half_width_m=6.0)
    want = _exact_mask(grid, lines, 6.0)
    assert want.sum() > 1500
    # half-cell sampling may miss a centre right at the buffer edge, never add one beyond it
    assert not (got & ~want).any()
    assert (want & ~got).sum() <= 0.01 * want.sum()
    # the buffered-polygon rasterisation (the slow path) agrees within a few cells
    buffered = polygon_mask(grid, shapely.buffer(np.asarray(lines, dtype=object), 6.0))
    assert abs(int(buffered.sum()) - int(got.sum())) <= 0.02 * want.sum()


def test_walk_mask_only_restricts_zones_with_network() -> None:
    grid = Grid(0.0, 0.0, 1.0, 200, 100)
    two = gpd.GeoDataFrame(
        {"code": ["W", "E"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=METRIC,
    )
    zones = Zones.from_polygons("gu", grid, two, id_column="code")
    walk = walkable_mask(grid, [shapely.LineString([(0, 50), (200, 50)])], half_width_m=5.0)
    mask = walkable_zone_mask(zones, walk, {"W"})
    assert mask[:, :100].sum() == 1000  # west: the street only
    assert mask[:, 100:].all()  # east has no walk network: the whole district
    assert walkable_zone_mask(zones, walk, set()).sum() == 200 * 100
    with pytest.raises(ValueError, match="shape"):
        walkable_zone_mask(zones, walk[:50], {"W"})
    assert not walkable_mask(grid, [], half_width_m=5.0).any()


def test_top_per_zone_keeps_each_zones_worst_blocks() -> None:
    # two zones of 4 blocks of 10 × 10 m each (1 m grid); no cameras: every block fully blind.
    grid = Grid(0.0, 0.0, 1.0, 80, 10)
    two = gpd.GeoDataFrame(
        {"code": ["W", "E"]},
        geometry=[shapely.box(0, 0, 40, 10), shapely.box(40, 0, 80, 10)],
        crs=METRIC,
    )
    zones = Zones.from_polygons("gu", grid, two, id_column="code")
    model = CoverageModel.build(camera_params(cameras([])), grid, [zones])
    risk = np.array([[8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]])  # west blocks riskier
    top3 = blind_spots(model.raster, zones, block_cells=10, risk=risk, top=3)
    assert top3["zone_id"].tolist() == ["W", "W", "W"]
    fair = blind_spots(model.raster, zones, block_cells=10, risk=risk, top_per_zone=2)
    assert fair["zone_id"].tolist() == ["W", "W", "E", "E"]
    assert fair["risk"].tolist() == [8.0, 7.0, 4.0, 3.0] and fair["rank"].tolist() == [1, 2, 3, 4]
