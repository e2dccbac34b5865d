"""Raster coverage: hand-computed sectors, agreement with a vector union, incremental updates."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.coverage import CoverageModel, Zones, covered_share
from gis.crs import METRIC
from gis.footprints import FootprintDefaults, camera_footprints, camera_params
from gis.grids import Grid

from .conftest import ORIGIN, cameras, random_cameras

# Cameras sit a little off the cell corners so that no 45° sector edge runs exactly through
# cell centres (a degenerate case where float rounding decides whole diagonals of cells).
X, Y = ORIGIN[0] + 0.3, ORIGIN[1] + 0.2

# Reference areas (polygons inscribed in the arcs, 32 arc vertices per footprint, r = 50 m):
#   90° sector: 31 fan triangles of 90°/31 → 31 · ½ · 50² · sin(π/62) = 38750 · 0.050649 = 1962.6 m²
#   full circle: 32 triangles of 360°/32 → 32 · ½ · 50² · sin(π/16)   = 40000 · 0.195090 = 7803.6 m²
SECTOR_90 = 31 * 0.5 * 50**2 * math.sin(math.pi / 62)
CIRCLE = 32 * 0.5 * 50**2 * math.sin(math.pi / 16)


def build(frame: gpd.GeoDataFrame, district: gpd.GeoDataFrame, grid: Grid) -> CoverageModel:
    zones = Zones.from_polygons("gu", grid, district, id_column="code", name_column="name")
    return CoverageModel.build(camera_params(frame), grid, [zones])


def test_hand_computed_sectors(district: gpd.GeoDataFrame, fine_grid: Grid) -> None:
    # East- and west-facing 90° sectors (disjoint) plus an IR full circle on the same pole.
    # Day: covered = circle = 7803.6 m² of the 40,000 m² district → 19.51 %;
    #      2 cameras on both sectors (3925.2 m²), 1 camera on the rest (3878.4 m²)
    #      → redundancy (2·3925.2 + 3878.4) / 7803.6 = 1.503, multi = 3925.2/40000 = 9.81 %.
    # Night: only the IR circle → 19.51 %, redundancy 1.0, multi 0 %.
    frame = cameras(
        [
            {"x": X, "y": Y, "heading_deg": 90.0, "fov_deg": 90.0, "range_m": 50.0},
            {"x": X, "y": Y, "heading_deg": 270.0, "fov_deg": 90.0, "range_m": 50.0},
            {"x": X, "y": Y, "heading_deg": np.nan, "range_m": 50.0, "infrared": True},
        ]
    )
    row = build(frame, district, fine_grid).stats("gu").iloc[0]
    assert row["area_m2"] == pytest.approx(40_000.0)
    assert row["covered_m2_day"] == pytest.approx(CIRCLE, rel=0.01)
    assert row["coverage_pct_day"] == pytest.approx(19.51, abs=0.2)
    assert row["redundancy_day"] == pytest.approx(1.503, abs=0.01)
    assert row["multi_pct_day"] == pytest.approx(9.81, abs=0.1)
    assert row["coverage_pct_night"] == pytest.approx(19.51, abs=0.2)
    assert row["redundancy_night"] == pytest.approx(1.0)
    assert row["multi_pct_night"] == 0.0
    assert (row["cameras"], row["cameras_ir"]) == (3, 1)


def test_sector_direction_on_raster(district: gpd.GeoDataFrame, fine_grid: Grid) -> None:
    frame = cameras([{"x": X, "y": Y, "heading_deg": 0.0, "fov_deg": 90.0, "range_m": 50.0}])
    model = build(frame, district, fine_grid)
    r, c = fine_grid.locate([X, X], [Y + 30, Y - 30])  # 30 m north, 30 m south
    assert model.raster.day[r[0], c[0]] == 1 and model.raster.day[r[1], c[1]] == 0
    assert model.stats("gu").iloc[0]["covered_m2_day"] == pytest.approx(SECTOR_90, rel=0.01)


def test_raster_matches_exact_vector_union(district: gpd.GeoDataFrame) -> None:
    frame = random_cameras(60, seed=3)
    grid = Grid.from_bounds((X - 220, Y - 220, X + 220, Y + 220), 0.5)
    stats = build(frame, district, grid).stats("gu").iloc[0]
    fp = camera_footprints(frame)
    exact = shapely.union_all(fp.geometry.values).intersection(district.geometry.iloc[0]).area
    assert stats["covered_m2_day"] == pytest.approx(exact, rel=0.01)
    night = fp[fp["infrared"]].geometry.values
    exact_n = shapely.union_all(night).intersection(district.geometry.iloc[0]).area
    assert stats["covered_m2_night"] == pytest.approx(exact_n, rel=0.01)


def test_incremental_updates_equal_full_rebuild(district: gpd.GeoDataFrame) -> None:
    grid = Grid.from_bounds((X - 220, Y - 220, X + 220, Y + 220), 2.0)
    frame = random_cameras(80, seed=5)
    model = build(frame, district, grid)
    # add one, move one, take one offline, remove one, bring one back
    model.upsert_camera(1000, x=X + 10, y=Y - 20, heading_deg=45, fov_deg=90, range_m=40)
    delta = model.upsert_camera(3, x=X - 60, y=Y + 70, heading_deg=200, range_m=30, infrared=True)
    assert delta.cells > 0 and delta.zones == {"gu": ["D1"]} and delta.bounds is not None
    model.set_online(7, False)
    model.remove_camera(9)
    model.set_online(11, False)
    model.set_online(11, True)

    expected = frame.copy()
    expected.loc[1000] = {
        "heading_deg": 45.0,
        "fov_deg": 90.0,
        "range_m": 40.0,
        "ptz": False,
        "infrared": False,
        "geometry": shapely.Point(X + 10, Y - 20),
    }
    expected.loc[3, ["heading_deg", "fov_deg", "range_m", "ptz", "infrared"]] = [
        200.0,
        np.nan,
        30.0,
        False,
        True,
    ]
    expected.loc[3, "geometry"] = shapely.Point(X - 60, Y + 70)
    expected["online"] = True
    expected.loc[7, "online"] = False
    expected = expected.drop(index=9)
    rebuilt = build(gpd.GeoDataFrame(expected, crs=METRIC), district, grid)
    assert np.array_equal(model.raster.day, rebuilt.raster.day)
    assert np.array_equal(model.raster.night, rebuilt.raster.night)
    a, b = model.stats("gu"), rebuilt.stats("gu")
    assert a.drop(columns=["cameras", "cameras_ir"]).equals(
        b.drop(columns=["cameras", "cameras_ir"])
    )
    assert a["cameras"].tolist() == b["cameras"].tolist()
    assert a.attrs["cameras_outside"] == b.attrs["cameras_outside"]
    assert a["cameras"].iloc[0] + a.attrs["cameras_outside"] == len(expected) - 1  # 7 offline


def test_camera_outside_every_district_still_covers_it(district: gpd.GeoDataFrame) -> None:
    grid = Grid.from_bounds((X - 220, Y - 220, X + 220, Y + 220), 1.0)
    # 120 m west of the centre = 20 m outside the western edge, looking east with r = 50 m.
    frame = cameras([{"x": X - 120, "y": Y, "heading_deg": 90.0, "fov_deg": 90.0, "range_m": 50.0}])
    table = build(frame, district, grid).stats("gu")
    assert table.attrs["cameras_outside"] == 1 and table["cameras"].iloc[0] == 0
    sector = camera_footprints(frame).geometry.iloc[0]
    inside = sector.intersection(district.geometry.iloc[0]).area
    assert 0 < inside < SECTOR_90
    assert table["covered_m2_day"].iloc[0] == pytest.approx(inside, rel=0.02)


def test_empty_and_invalid_districts(fine_grid: Grid) -> None:
    bowtie = shapely.Polygon(
        [(X - 50, Y - 50), (X + 50, Y + 50), (X + 50, Y - 50), (X - 50, Y + 50)]
    )
    assert not bowtie.is_valid
    districts = gpd.GeoDataFrame(
        {"code": ["bow", "empty"], "name": ["bow", "empty"]},
        geometry=[bowtie, shapely.Polygon()],
        crs=METRIC,
    )
    frame = cameras([{"x": X, "y": Y, "range_m": 20.0}])
    table = build(frame, districts, fine_grid).stats("gu")
    # make_valid splits the bow-tie into two triangles of ½ · 100 · 50 = 2500 m² each
    assert table["area_m2"].iloc[0] == pytest.approx(5000.0, rel=0.01)
    assert 0 < table["coverage_pct_day"].iloc[0] < 100
    assert table["area_m2"].iloc[1] == 0 and math.isnan(table["coverage_pct_day"].iloc[1])


def test_duplicate_ids_rejected(district: gpd.GeoDataFrame, fine_grid: Grid) -> None:
    frame = cameras([{"x": X, "y": Y}, {"x": X + 1, "y": Y}])
    frame.index = [5, 5]
    with pytest.raises(ValueError, match="unique"):
        build(frame, district, fine_grid)


def test_zone_layer_on_another_grid_rejected(district: gpd.GeoDataFrame, fine_grid: Grid) -> None:
    other = Grid.from_bounds(fine_grid.bounds, 2.0)
    zones = Zones.from_polygons("gu", other, district, id_column="code")
    with pytest.raises(ValueError, match="different grid"):
        CoverageModel.build(camera_params(cameras([{"x": X, "y": Y}])), fine_grid, [zones])


def test_covered_share_on_coarse_grid(district: gpd.GeoDataFrame, fine_grid: Grid) -> None:
    # A 50 m circle fully covers the 20 m coarse cell holding the camera, none far away.
    frame = cameras([{"x": X + 0.5, "y": Y + 0.5, "range_m": 50.0}])
    model = build(frame, district, fine_grid)
    coarse = fine_grid.coarsen(20)
    share = covered_share(model.raster, coarse)
    r, c = coarse.locate([X + 0.5, X + 150], [Y + 0.5, Y + 150])
    assert share[r[0], c[0]] == 1.0 and share[r[1], c[1]] == 0.0
    total = np.nansum(share) * coarse.cell_area
    assert total == pytest.approx(CIRCLE, rel=0.01)


def test_defaults_apply_to_model_updates(district: gpd.GeoDataFrame, fine_grid: Grid) -> None:
    zones = Zones.from_polygons("gu", fine_grid, district, id_column="code")
    model = CoverageModel.build(
        camera_params(cameras([{"x": X, "y": Y, "range_m": 5.0}])),
        fine_grid,
        [zones],
        FootprintDefaults(range_m=50.0),
    )
    model.upsert_camera("new", x=X + 40, y=Y + 40)  # NaN heading, default 50 m → full circle
    covered = model.stats("gu")["covered_m2_day"].iloc[0]
    small = 32 * 0.5 * 25 * math.sin(math.pi / 16)
    assert covered == pytest.approx(small + CIRCLE, rel=0.02)
