"""Analytics runs: load the registry from PostGIS, call gis/ (pure), persist the results in bulk.

All metric work happens in EPSG:5186 inside gis/; results are stored in EPSG:4326 (and 3857 for
tiles). Each persist replaces a whole result table inside one transaction, so readers see either
the previous run or the new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from numpy.typing import NDArray

from backend.analytics import selectors
from backend.analytics.models import (
    AnalysisRun,
    BlindSpot,
    CrimeStat,
    CrimeType,
    DistrictCoverage,
    DongCoverage,
    Hotspot,
    SiteRecommendation,
)
from backend.cameras.models import District
from backend.cameras.seoul import gu_code
from backend.common.exceptions import ApplicationError
from backend.config import env
from backend.tiles.selectors import layer_version
from gis import io as gis_io
from gis.blindspots import blind_spots, walkable_mask, walkable_zone_mask
from gis.coverage import CoverageModel, Zones, covered_share
from gis.crs import METRIC, lonlat_to_metric, to_metric
from gis.footprints import FootprintDefaults, make_params
from gis.grids import Grid
from gis.hotspots import HotspotResult, hotspots
from gis.occlusion import blocker_mask
from gis.siting import attractor_surface, demand_surface, recommend_sites

log = logging.getLogger(__name__)

CELL_M = 5.0
"""Coverage raster cell (EPSG:5186): 5 m keeps a 30 m camera's area within a few percent."""
BLOCK_CELLS = 50  # blind-spot blocks and hotspot cells: 50 × 5 m = 250 m
SITE_CELLS = 10  # siting demand grid: 10 × 5 m = 50 m
DEFAULT_K = 200
NEW_CAMERA_RADIUS_M = 50.0
MIN_POINT_INCIDENTS = 50
DEFAULTS = FootprintDefaults(fov_deg=90.0, range_m=30.0)
WALK_HALF_WIDTH_M = 5.0
"""Walk links count as walkable this far either side (sidewalks, crossings, park paths)."""
WALK_CACHE_KEEP = 4


@dataclass
class AnalyticsState:
    """What one pipeline run keeps between steps (all EPSG:5186)."""

    model: CoverageModel
    zones: Zones
    districts: gpd.GeoDataFrame
    cameras: int
    cameras_outside: int
    cameras_version: int
    seconds: dict[str, float] = field(default_factory=dict)
    risk: NDArray[np.float64] | None = None
    hotspot_method: str = ""
    dong_gu: dict[str, str] | None = None
    """dong code → gu code of the dong layer (None: no dong boundaries for this run)."""
    dong_source: str = ""
    occlusion: str = "no building footprints: views are not blocked"
    study: NDArray[np.bool_] | None = None
    """Blind-spot study cells (None: every district cell)."""
    study_method: str = "district area"


def _geos(geom: shapely.Geometry, srid: int, *, multi: bool = False) -> GEOSGeometry:
    if multi and geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=srid)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Polygon parts only (make_valid may return a collection with stray lines/points)."""
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polys) if polys else shapely.Polygon()


def _reproject(geoms: Any, crs: str) -> list[shapely.Geometry]:
    return list(gpd.GeoSeries(geoms, crs=METRIC).to_crs(crs).array)


def _dong_layer(
    grid: Grid, seoul_dir: Path | None, codes: set[str]
) -> tuple[Zones, dict[str, str], str] | None:
    """The 행정동 boundaries of the loaded districts as a zone layer, when the file is present."""
    path = (seoul_dir or gis_io.default_seoul_dir()) / gis_io.DONG_FILE
    if not path.exists():
        return None
    try:
        dong = gis_io.read_dong(path)
    except (gis_io.DataError, ValueError, KeyError, OSError) as err:
        log.warning("%s: dong boundaries unreadable, skipped: %s", path, err)
        return None
    dong = dong[dong["gu_code"].isin(codes)]
    if dong.empty:
        return None
    zones = Zones.from_polygons(
        "dong", grid, to_metric(dong), id_column="dong_code", name_column="dong_name"
    )
    return zones, dict(zip(dong["dong_code"], dong["gu_code"], strict=True)), path.name


def _building_blockers(grid: Grid, seoul_dir: Path | None) -> tuple[NDArray[np.bool_] | None, str]:
    """Building cells on the coverage grid where footprint files exist (a few areas only)."""
    files = gis_io.building_files(seoul_dir or gis_io.default_seoul_dir())
    if not files:
        return None, ""
    try:
        buildings = to_metric(gis_io.read_buildings(files))
    except (gis_io.DataError, ValueError, KeyError, OSError) as err:
        log.warning("building footprints unreadable, views not blocked: %s", err)
        return None, ""
    blockers = blocker_mask(grid, buildings.geometry.array)
    return blockers, (
        f"views blocked by {len(buildings):,} building footprints ({', '.join(f.name for f in files)}; "
        f"{blockers.sum() * grid.cell_area / 1e6:.2f} km² of buildings, heights ignored) — "
        "elsewhere views are not blocked"
    )


def coverage_model_build(
    *, cell_m: float = CELL_M, seoul_dir: Path | None = None
) -> AnalyticsState:
    """Rasterise every camera of the registry over the districts (EPSG:5186 grid), with the
    administrative dong as a second zone layer where their boundaries are available."""
    started = time.perf_counter()
    version = layer_version(layer="cameras")  # read first: later edits trigger another run
    districts = selectors.districts_frame()
    if districts.empty:
        raise ApplicationError("no districts loaded; run import_districts first", code="no_data")
    metric = to_metric(districts)
    grid = Grid.from_bounds(metric.total_bounds, cell_m)
    zones = Zones.from_polygons("gu", grid, metric, id_column="id", name_column="code")
    dong = _dong_layer(grid, seoul_dir, set(districts["code"]))
    cams = selectors.cameras_arrays()
    x, y = lonlat_to_metric(cams.lon, cams.lat)
    params = make_params(
        cams.ids.astype(object),
        x,
        y,
        heading_deg=cams.heading_deg,
        fov_deg=cams.fov_deg,
        range_m=cams.range_m,
        ptz=cams.ptz,
        infrared=cams.infrared,
        online=cams.online,
        defaults=DEFAULTS,
    )
    blockers, occlusion = _building_blockers(grid, seoul_dir)
    model = CoverageModel.build(
        params,
        grid,
        [zones] if dong is None else [zones, dong[0]],
        DEFAULTS,
        blockers=blockers,
    )
    outside = int(model.stats("gu").attrs["cameras_outside"])
    if outside:
        log.warning("%d active camera(s) lie outside every district", outside)
    state = AnalyticsState(model, zones, districts, len(cams.ids), outside, version)
    if dong is not None:
        state.dong_gu, state.dong_source = dong[1], dong[2]
    if occlusion:
        state.occlusion = occlusion
    state.seconds["coverage_build"] = time.perf_counter() - started
    return state


@transaction.atomic
def coverage_persist(*, state: AnalyticsState) -> AnalysisRun:
    """Replace DistrictCoverage with the model's per-district table (day and night)."""
    table = state.model.stats("gu")
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.COVERAGE,
        method=(
            f"raster {state.model.raster.grid.cell:g} m (EPSG:5186); footprint = sector of "
            "heading/fov/range, full circle where PTZ, fov ≥ 360 or heading unknown (upper bound); "
            "day = online+degraded cameras, night = those with infrared; "
            + state.occlusion
            + "; "
            + (
                f"per 행정동 from {state.dong_source} on the same raster"
                if state.dong_gu is not None
                else "no dong boundaries available: districts only"
            )
        ),
        params={
            "cell_m": state.model.raster.grid.cell,
            "cameras_outside": state.cameras_outside,
            "cameras_version": state.cameras_version,
            "dongs": state.dong_source or None,
            "occlusion": not state.occlusion.startswith("no building"),
        },
        cameras=state.cameras,
        seconds=state.seconds.get("coverage_build", 0.0),
    )
    DistrictCoverage.objects.all().delete()
    rows = []
    for rec in table.to_dict("records"):
        for period in ("day", "night"):
            rows.append(
                DistrictCoverage(
                    district_id=int(rec["zone_id"]),
                    period=period,
                    **_coverage_fields(rec, period),
                    run=run,
                )
            )
    DistrictCoverage.objects.bulk_create(rows)
    _dong_coverage_persist(state=state, run=run)
    return run


def _coverage_fields(rec: dict[str, Any], period: str) -> dict[str, Any]:
    """The coverage figures of one zone row for `period` (day: all cameras, night: IR only)."""
    return {
        "area_m2": float(rec["area_m2"]),
        "covered_m2": float(rec[f"covered_m2_{period}"]),
        "coverage_pct": selectors.as_float_or_none(rec[f"coverage_pct_{period}"]),
        "redundancy": selectors.as_float_or_none(rec[f"redundancy_{period}"]),
        "multi_pct": selectors.as_float_or_none(rec[f"multi_pct_{period}"]),
        "cameras": int(rec["cameras" if period == "day" else "cameras_ir"]),
    }


def _dong_coverage_persist(*, state: AnalyticsState, run: AnalysisRun) -> None:
    DongCoverage.objects.all().delete()
    if state.dong_gu is None:
        return
    district_of = dict(zip(state.districts["code"], state.districts["id"], strict=True))
    rows = []
    for rec in state.model.stats("dong").to_dict("records"):
        district_id = district_of.get(state.dong_gu.get(str(rec["zone_id"]), ""))
        if district_id is None:
            continue
        for period in ("day", "night"):
            rows.append(
                DongCoverage(
                    dong_code=str(rec["zone_id"]),
                    name_ko=str(rec["name"]),
                    district_id=int(district_id),
                    period=period,
                    **_coverage_fields(rec, period),
                    run=run,
                )
            )
    DongCoverage.objects.bulk_create(rows, batch_size=2000)


def hotspots_compute(*, state: AnalyticsState) -> HotspotResult | None:
    """Hotspots on the 250 m block grid: alert points when there are enough, else gu crime."""
    grid = state.model.raster.grid.coarsen(BLOCK_CELLS)
    area = np.asarray(to_metric(state.districts).geometry.array, dtype=object)
    area = shapely.make_valid(area)
    lon, lat = selectors.incident_points()
    if lon.size >= MIN_POINT_INCIDENTS:
        x, y = lonlat_to_metric(lon, lat)
        result = hotspots(x, y, area, grid=grid, bandwidth_m=500.0)
        state.hotspot_method = (
            f"Input: {lon.size} point incidents (alert locations, false positives excluded). "
            + result.method
        )
        return result
    year, totals = selectors.crime_totals_latest()
    if not totals:
        state.hotspot_method = ""
        return None
    coarse_zones = Zones.from_polygons(
        "gu250", grid, to_metric(state.districts), id_column="id", name_column="code"
    )
    rows, cols = np.nonzero(coarse_zones.labels >= 0)
    labels = coarse_zones.labels[rows, cols]
    per_zone = np.array([float(totals.get(int(i), 0)) for i in coarse_zones.ids])
    cells = np.maximum(coarse_zones.cells, 1)
    weights = (per_zone / cells)[labels]
    result = hotspots(
        grid.centers_x()[cols], grid.centers_y()[rows], area, grid=grid, weights=weights
    )
    state.hotspot_method = (
        f"Input: five major crimes {year} (occurred, all types) per gu from Seoul open data, "
        "spread evenly over each gu's 250 m cells — a gu-level risk surface, not point "
        "incidents: variation inside a gu is not observed, so hot/cold cells mark whole gu and "
        "their borders. " + result.method
    )
    return result


@transaction.atomic
def hotspots_persist(*, state: AnalyticsState, result: HotspotResult | None) -> AnalysisRun:
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.HOTSPOTS,
        method=state.hotspot_method or "no incidents and no crime statistics: nothing computed",
        cameras=state.cameras,
        seconds=state.seconds.get("hotspots", 0.0),
    )
    Hotspot.objects.all().delete()
    state.risk = None
    if result is None or result.grid is None:
        return run
    grid = result.grid
    cells = result.cells
    rows, cols = np.divmod(cells["cell"].to_numpy(dtype=np.int64), grid.nx)
    share = covered_share(state.model.raster, grid, period="day", mask=state.zones.labels >= 0)
    risk = np.zeros(grid.shape)
    risk[rows, cols] = cells["kde"].to_numpy(dtype=float)
    state.risk = risk
    coarse_zones = state.zones.zone_of(grid.centers_x()[cols], grid.centers_y()[rows])
    wgs = _reproject(cells.geometry.array, "EPSG:4326")
    merc = _reproject(cells.geometry.array, "EPSG:3857")
    objs = []
    for i, rec in enumerate(cells.drop(columns="geometry").to_dict("records")):
        label = int(coarse_zones[i])
        objs.append(
            Hotspot(
                cell=str(rec["cell"]),
                district_id=int(state.zones.ids[label]) if label >= 0 else None,
                count=float(rec["count"]),
                kde=selectors.as_float_or_none(rec["kde"]),
                gi_z=selectors.as_float_or_none(rec["gi_z"]),
                gi_p=selectors.as_float_or_none(rec["gi_p"]),
                hotspot_class=rec["hotspot"],
                covered_share=selectors.as_float_or_none(share[rows[i], cols[i]]),
                method=state.hotspot_method,
                geom=_geos(wgs[i], 4326),
                geom_merc=_geos(merc[i], 3857),
                run=run,
            )
        )
    Hotspot.objects.bulk_create(objs, batch_size=2000)
    return run


def _walk_cache_key(grid: Grid, files: dict[str, Path]) -> str:
    stamp = [
        [grid.x0, grid.y0, grid.cell, grid.nx, grid.ny, WALK_HALF_WIDTH_M, "v1"],
        *[
            [code, p.name, p.stat().st_size, p.stat().st_mtime_ns]
            for code, p in sorted(files.items())
        ],
    ]
    return hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:20]


def walkable_study_area(
    *, state: AnalyticsState, seoul_dir: Path | None = None, cache_dir: Path | None = None
) -> None:
    """Restrict blind spots to the walkable area of the districts whose walk network exists.

    Reads ``roads/seoul_walk_links_<gu>_*.geojson`` (19 of 25 gu in the shared data), rasterises
    the links ± `WALK_HALF_WIDTH_M` on the coverage grid and caches the mask under
    ``.var/cache/analytics/`` (keyed by grid and file size/mtime). Other districts keep their
    whole area; ``state.study_method`` says which is which.
    """
    started = time.perf_counter()
    files = gis_io.walk_link_files(seoul_dir or gis_io.default_seoul_dir())
    codes = dict(zip(state.districts["code"], state.districts["id"], strict=True))
    present = {code: path for code, path in files.items() if code in codes}
    state.study, state.study_method = None, "district area (no walk-network data)"
    if not present:
        return
    grid = state.model.raster.grid
    cache = (cache_dir or env.VAR_DIR / "cache" / "analytics") / (
        f"walkable-{_walk_cache_key(grid, present)}.npy"
    )
    walk = None
    if cache.exists():
        try:
            packed = np.load(cache)
            walk = np.unpackbits(packed, count=grid.size).reshape(grid.shape).astype(bool)
        except (OSError, ValueError) as err:
            log.warning("walkable-area cache %s unreadable, rebuilding: %s", cache, err)
    cached = walk is not None
    if walk is None:
        links = to_metric(gis_io.read_walk_links(list(present.values())))
        walk = walkable_mask(grid, links.geometry.array, half_width_m=WALK_HALF_WIDTH_M)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.save(fh, np.packbits(walk.ravel()))
        os.replace(tmp, cache)
        stale = sorted(cache.parent.glob("walkable-*.npy"), key=lambda f: f.stat().st_mtime)
        for old in stale[:-WALK_CACHE_KEEP]:  # a few grids (cell sizes, district sets) at most
            old.unlink(missing_ok=True)
    ids = {codes[c] for c in present}
    state.study = walkable_zone_mask(state.zones, walk, ids)
    others = sorted(set(codes) - set(present))
    state.study_method = (
        f"walkable area (walk-network links ± {WALK_HALF_WIDTH_M:g} m, Seoul pedestrian network) "
        f"in {len(present)} district(s) ({', '.join(sorted(present))}); whole district area in "
        f"{len(others)} without walk-network data" + (f" ({', '.join(others)})" if others else "")
    )
    state.seconds["walkable"] = time.perf_counter() - started
    log.info(
        "walkable study area for %d district(s) in %.2f s (%s)",
        len(present),
        state.seconds["walkable"],
        "cached" if cached else "built",
    )


@transaction.atomic
def blindspots_persist(*, state: AnalyticsState, top_per_district: int = 100) -> AnalysisRun:
    """Rank uncovered 250 m blocks by uncovered area × risk, day and night, keeping each
    district's worst ``top_per_district`` (walkable-area districts have smaller blocks of study
    area, so a city-wide cut would drop them)."""
    started = time.perf_counter()
    BlindSpot.objects.all().delete()
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.BLINDSPOTS,
        method=(
            f"{state.study_method}, minus coverage on the {state.model.raster.grid.cell:g} m "
            "raster, "
            f"grouped in {BLOCK_CELLS * state.model.raster.grid.cell:g} m blocks; score = "
            "uncovered km² × risk (hotspot KDE when computed, else 1); the worst "
            f"{top_per_district} blocks per district are kept, ranked city-wide by score "
            "(compare walkable-area and whole-area districts by their rank within the district)"
        ),
        params={
            "top_per_district": top_per_district,
            "risk": state.risk is not None,
            "walkable": state.study is not None,
            "walkable_s": round(state.seconds.get("walkable", 0.0), 3),
        },
        cameras=state.cameras,
    )
    objs = []
    for period in ("day", "night"):
        spots = blind_spots(
            state.model.raster,
            state.zones,
            period=period,
            mask=state.study,
            block_cells=BLOCK_CELLS,
            risk=state.risk,
            top=None,
            top_per_zone=top_per_district,
        )
        if spots.empty:
            continue
        raw = np.asarray(spots.geometry.array, dtype=object)
        bad = ~shapely.is_valid(raw)  # merged cell runs are valid as a rule: repair only the rest
        raw[bad] = shapely.buffer(raw[bad], 0)  # self-touching cell rings; make_valid: minutes
        geoms = [_polygonal(g) for g in raw]
        wgs = _reproject(geoms, "EPSG:4326")
        merc = _reproject(geoms, "EPSG:3857")
        for i, rec in enumerate(spots.drop(columns="geometry").to_dict("records")):
            if wgs[i].is_empty or wgs[i].geom_type not in {"Polygon", "MultiPolygon"}:
                continue
            objs.append(
                BlindSpot(
                    rank=int(rec["rank"]),
                    district_id=int(rec["zone_id"]),
                    period=period,
                    uncovered_m2=float(rec["uncovered_m2"]),
                    study_m2=float(rec["study_m2"]),
                    uncovered_pct=float(rec["uncovered_pct"]),
                    risk=float(rec["risk"]),
                    score=float(rec["score"]),
                    geom=_geos(wgs[i], 4326, multi=True),
                    geom_merc=_geos(merc[i], 3857, multi=True),
                    run=run,
                )
            )
    BlindSpot.objects.bulk_create(objs, batch_size=1000)
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["seconds"])
    return run


def _floating_surface(grid: Grid) -> tuple[NDArray[np.float64] | None, str]:
    path = gis_io.default_seoul_dir() / "infrastructure" / "seoul_subway_stations.csv"
    if not path.exists():
        return None, ""
    stations = gis_io.read_subway_stations(path)
    x, y = lonlat_to_metric(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy())
    return attractor_surface(grid, x, y), f"floating population = {len(stations)} subway stations"


@transaction.atomic
def sites_persist(*, state: AnalyticsState, k: int = DEFAULT_K) -> AnalysisRun:
    """Greedy MCLP: K new full-circle cameras maximising uncovered risk/floating demand."""
    started = time.perf_counter()
    grid = state.model.raster.grid.coarsen(SITE_CELLS)
    share = covered_share(state.model.raster, grid, period="day", mask=state.zones.labels >= 0)
    mask = np.isfinite(share)
    uncovered = np.where(mask, 1.0 - np.nan_to_num(share), 0.0)
    risk = None
    parts = []
    if state.risk is not None:
        factor = BLOCK_CELLS // SITE_CELLS
        risk = np.repeat(np.repeat(state.risk, factor, axis=0), factor, axis=1)
        risk = risk[: grid.ny, : grid.nx]
        parts.append("risk = hotspot KDE")
    floating, floating_note = _floating_surface(grid)
    if floating_note:
        parts.append(floating_note)
    demand = demand_surface(mask, uncovered, risk=risk, floating=floating)
    result = recommend_sites(
        grid, demand, k, radius_m=NEW_CAMERA_RADIUS_M, uncovered_share=uncovered
    )
    SiteRecommendation.objects.all().delete()
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.SITES,
        method=result.method
        + "; demand = "
        + (" + ".join(parts) if parts else "uncovered area only")
        + " × uncovered share",
        params={"k": k, "total_demand": result.total_demand},
        cameras=state.cameras,
    )
    sites = result.sites
    if not sites.empty:
        pts = np.asarray(sites.geometry.array, dtype=object)
        labels = state.zones.zone_of(shapely.get_x(pts), shapely.get_y(pts))
        wgs = _reproject(pts, "EPSG:4326")
        merc = _reproject(pts, "EPSG:3857")
        SiteRecommendation.objects.bulk_create(
            [
                SiteRecommendation(
                    rank=int(rec["rank"]),
                    district_id=int(state.zones.ids[labels[i]]) if labels[i] >= 0 else None,
                    gain=float(rec["gain"]),
                    gain_pct=float(rec["gain_pct"]),
                    cumulative_pct=float(rec["cumulative_pct"]),
                    gain_m2=float(rec["gain_m2"]),
                    location=_geos(wgs[i], 4326),
                    location_merc=_geos(merc[i], 3857),
                    run=run,
                )
                for i, rec in enumerate(sites.drop(columns="geometry").to_dict("records"))
            ]
        )
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["seconds"])
    return run


def analytics_compute(
    *, k: int = DEFAULT_K, cell_m: float = CELL_M, steps: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Coverage, hotspots, blind spots (risk-weighted) and K sites; returns a summary."""
    wanted = set(steps or ("coverage", "hotspots", "blindspots", "sites"))
    started = time.perf_counter()
    state = coverage_model_build(cell_m=cell_m)
    summary: dict[str, Any] = {
        "cameras": state.cameras,
        "cameras_outside": state.cameras_outside,
        "coverage_build_s": round(state.seconds["coverage_build"], 2),
    }
    if "coverage" in wanted:
        coverage_persist(state=state)
    if wanted & {"hotspots", "blindspots", "sites"}:
        t = time.perf_counter()
        result = hotspots_compute(state=state)
        state.seconds["hotspots"] = time.perf_counter() - t
        hotspots_persist(state=state, result=result)
        summary["hotspots"] = Hotspot.objects.count()
        summary["hotspot_method"] = state.hotspot_method
    if "blindspots" in wanted:
        walkable_study_area(state=state)
        summary["blindspots_study"] = state.study_method
        blindspots_persist(state=state)
        summary["blindspots"] = BlindSpot.objects.count()
    if "sites" in wanted:
        sites_persist(state=state, k=k)
        summary["sites"] = SiteRecommendation.objects.count()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


# --- crime statistics ----------------------------------------------------------------------


@transaction.atomic
def crimes_import(*, path: Path) -> dict[str, Any]:
    """Import one five-major-crimes-by-gu CSV (Seoul open data) into CrimeStat (upsert)."""
    try:
        table = gis_io.read_crime_by_gu(path)
    except (gis_io.DataError, ValueError, KeyError, OSError) as err:
        raise ApplicationError(f"{path.name}: not a five-major-crimes file ({err})") from err
    if table.empty or table["year"].isna().all():
        raise ApplicationError(f"{path.name}: no year or no rows found", code="bad_file")
    districts = dict(District.objects.values_list("code", "id"))
    created = updated = 0
    unknown: list[str] = []
    for rec in table.to_dict("records"):
        code = gu_code(rec["gu_name"])
        district_id = districts.get(code or "")
        if district_id is None:
            unknown.append(str(rec["gu_name"]))
            continue
        for crime in CrimeType.values:
            _, was_created = CrimeStat.objects.update_or_create(
                district_id=district_id,
                year=int(rec["year"]),
                crime_type=crime,
                defaults={
                    "occurred": int(rec[f"{crime}_occurred"]),
                    "cleared": int(rec[f"{crime}_cleared"]),
                    "source": path.name,
                },
            )
            created += was_created
            updated += not was_created
    if unknown:
        log.warning("%s: rows for unknown gu skipped: %s", path.name, ", ".join(unknown))
    return {"year": int(table["year"].iloc[0]), "created": created, "updated": updated,
            "unknown_gu": unknown}  # fmt: skip
