"""Blind spots: study area (district, or walkable area where walk-network data exist) minus
coverage, as EPSG:5186 polygons per block ranked by risk.

The uncovered cells of the coverage raster are grouped into square blocks (``block_cells`` × the
raster cell, 250 m by default) per zone, scored by ``uncovered km² × risk`` (risk is a density on
the block grid, e.g. a KDE of incidents; uniform when absent) and only the ranked blocks are
turned into polygons (merged cell runs, so edges follow the raster at its resolution).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from gis.coverage import CoverageRaster, Zones
from gis.crs import METRIC, to_metric
from gis.grids import Grid, polygon_mask

_ROW_CHUNK = 256


_SAMPLE_CHUNK = 1 << 20  # link samples per pass: bounds temporary memory to ~100 MB


def walkable_mask(grid: Grid, lines: ArrayLike, *, half_width_m: float = 5.0) -> NDArray[np.bool_]:
    """Cells of ``grid`` whose centre lies within ``half_width_m`` of a walk link (EPSG:5186).

    Rasterised on the grid directly instead of unioning buffers: each link segment is sampled
    every half cell and every cell centre within ``half_width_m`` of a sample is marked, so the
    result matches the buffered links at the grid's resolution (a cell centre up to
    ``(cell/4)² / (2·half_width_m)`` beyond the buffer edge between two samples may be missed).
    """
    arr = np.asarray(lines, dtype=object).ravel()
    mask = np.zeros(grid.shape, dtype=bool)
    if arr.size == 0:
        return mask
    coords, index = shapely.get_coordinates(arr, return_index=True)
    same = index[1:] == index[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    if a.size == 0:  # points or single-vertex lines only
        a = b = coords
    step = grid.cell / 2.0
    n = np.ceil(np.hypot(*(b - a).T) / step).astype(np.int64) + 1  # samples, both ends included
    reach = math.ceil(half_width_m / grid.cell + 0.5)
    offsets = [
        (dr, dc)
        for dr in range(-reach, reach + 1)
        for dc in range(-reach, reach + 1)
        # nearest a neighbour's centre can be to a sample somewhere in the sample's own cell
        if math.hypot(max(0.0, abs(dr) - 0.5), max(0.0, abs(dc) - 0.5)) * grid.cell <= half_width_m
    ]
    r2 = half_width_m * half_width_m
    ends = np.cumsum(n)
    start = 0
    while start < n.size:
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + _SAMPLE_CHUNK))
        stop = max(stop, start + 1)
        counts = n[start:stop]
        seg = np.repeat(np.arange(start, stop), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        t = (np.arange(seg.size) - first) / np.maximum(n[seg] - 1, 1)
        px = a[seg, 0] + t * (b[seg, 0] - a[seg, 0])
        py = a[seg, 1] + t * (b[seg, 1] - a[seg, 1])
        col = np.floor((px - grid.x0) / grid.cell).astype(np.int64)
        row = np.floor((py - grid.y0) / grid.cell).astype(np.int64)
        for dr, dc in offsets:
            rr, cc = row + dr, col + dc
            dx = grid.x0 + (cc + 0.5) * grid.cell - px
            dy = grid.y0 + (rr + 0.5) * grid.cell - py
            ok = (dx * dx + dy * dy <= r2) & (rr >= 0) & (rr < grid.ny) & (cc >= 0) & (cc < grid.nx)
            mask[rr[ok], cc[ok]] = True
        start = stop
    return mask


def walkable_zone_mask(
    zones: Zones,
    walk: NDArray[np.bool_],
    walk_zone_ids: Collection[object],
) -> NDArray[np.bool_]:
    """Study cells: walkable cells in zones with walk-network data, every cell elsewhere.

    ``walk``: a `walkable_mask` on ``zones.grid``; ``walk_zone_ids``: the zone ids (as in
    ``zones.ids``) whose walk network is present.
    """
    if walk.shape != zones.grid.shape:
        raise ValueError(f"walk mask must have the grid shape {zones.grid.shape}, got {walk.shape}")
    with_data = np.isin(zones.ids, np.asarray(list(walk_zone_ids), dtype=object))
    lab = zones.labels
    inside = lab >= 0
    restricted = np.zeros(lab.shape, dtype=bool)
    restricted[inside] = with_data[lab[inside]]
    return inside & (~restricted | walk)


def walkable_areas(
    walk_links: gpd.GeoDataFrame, *, by: str = "gu_code", half_width_m: float = 5.0
) -> dict[object, NDArray[np.object_]]:
    """Buffered walk links per zone id (links any CRS → EPSG:5186 polygons, not unioned).

    Slow for a city (seconds per 100k links); `walkable_mask` rasterises the same area directly.
    """
    metric = to_metric(walk_links)
    buffered = shapely.buffer(
        np.asarray(metric.geometry.array, dtype=object), half_width_m, quad_segs=4
    )
    keys = metric[by].to_numpy(dtype=object)
    return {k: buffered[keys == k] for k in dict.fromkeys(keys.tolist())}


def study_mask(
    zones: Zones, walkable: Mapping[object, ArrayLike] | None = None
) -> NDArray[np.bool_]:
    """Cells to analyse: a zone's walkable polygons where given (EPSG:5186), else the zone."""
    mask = zones.labels >= 0
    if not walkable:
        return mask
    grid = zones.grid
    for zone_id, polys in walkable.items():
        hit = np.flatnonzero(zones.ids == zone_id)
        arr = np.asarray(polys, dtype=object)
        if hit.size == 0 or arr.size == 0:
            continue
        walk = np.zeros(grid.shape, dtype=bool)
        r0, r1, c0, c1 = grid.window(shapely.total_bounds(arr))
        walk[r0:r1, c0:c1] = polygon_mask(grid.subgrid(r0, r1, c0, c1), arr)
        mask[(zones.labels == int(hit[0])) & ~walk] = False
    return mask


def blind_spots(
    raster: CoverageRaster,
    zones: Zones,
    *,
    period: str = "day",
    mask: NDArray[np.bool_] | None = None,
    block_cells: int = 50,
    risk: NDArray[np.float64] | None = None,
    top: int | None = 500,
    top_per_zone: int | None = None,
    min_area_m2: float = 100.0,
) -> gpd.GeoDataFrame:
    """Ranked blind-spot polygons (EPSG:5186).

    ``mask``: study cells (default: every zone cell; see `study_mask` for walkable areas).
    ``risk``: density per block on ``raster.grid.coarsen(block_cells)`` (NaN/negative = 0).
    Columns: ``rank``, ``zone_id``, ``uncovered_m2``, ``study_m2``, ``uncovered_pct``,
    ``risk``, ``score`` (uncovered km² × risk), geometry. The best ``top`` blocks (all if None).
    """
    grid = raster.grid
    coarse = grid.coarsen(block_cells)
    study = zones.labels >= 0 if mask is None else mask & (zones.labels >= 0)
    counts = raster.counts(period)
    nz, nb = len(zones.ids), coarse.size
    c_idx = np.arange(grid.nx) // block_cells
    uncovered = np.zeros(nz * nb, dtype=np.int64)
    total = np.zeros(nz * nb, dtype=np.int64)
    for r in range(0, grid.ny, _ROW_CHUNK):
        rows = np.arange(r, min(r + _ROW_CHUNK, grid.ny))
        block = (rows // block_cells)[:, None] * coarse.nx + c_idx[None, :]
        lab = zones.labels[rows]
        sel = study[rows]
        key = lab[sel].astype(np.int64) * nb + block[sel]
        total += np.bincount(key, minlength=nz * nb)
        free = counts[rows][sel] == 0
        uncovered += np.bincount(key[free], minlength=nz * nb)
    if risk is not None and risk.shape != coarse.shape:
        raise ValueError(f"risk must have the block grid shape {coarse.shape}, got {risk.shape}")
    block_risk = (
        np.ones(nb) if risk is None else np.nan_to_num(np.maximum(risk, 0.0), nan=0.0).ravel()
    )
    key = np.flatnonzero(uncovered * grid.cell_area >= min_area_m2)
    zone, blk = key // nb, key % nb
    area_km2 = uncovered[key] * grid.cell_area / 1e6
    score = area_km2 * block_risk[blk]
    order = np.lexsort((key, -score))
    if top_per_zone is not None:
        order = order[_rank_within(zone[order]) < top_per_zone]
    if top is not None:
        order = order[:top]
    geoms = [
        _block_polygon(grid, coarse, block_cells, int(blk[i]), int(zone[i]), zones, study, counts)
        for i in order
    ]
    return gpd.GeoDataFrame(
        {
            "rank": np.arange(1, order.size + 1),
            "zone_id": zones.ids[zone[order]],
            "uncovered_m2": uncovered[key[order]] * grid.cell_area,
            "study_m2": total[key[order]] * grid.cell_area,
            "uncovered_pct": 100.0 * uncovered[key[order]] / np.maximum(total[key[order]], 1),
            "risk": block_risk[blk[order]],
            "score": score[order],
        },
        geometry=geoms,
        crs=METRIC,
    )


def _rank_within(groups: NDArray[np.int64]) -> NDArray[np.int64]:
    """0-based position of each item among the items of its group, in the given order."""
    idx = np.argsort(groups, kind="stable")
    sorted_groups = groups[idx]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    sizes = np.diff(np.r_[starts, sorted_groups.size])
    pos = np.empty(groups.size, dtype=np.int64)
    pos[idx] = np.arange(groups.size) - np.repeat(starts, sizes)
    return pos


def _block_polygon(
    grid: Grid,
    coarse: Grid,
    block_cells: int,
    block: int,
    label: int,
    zones: Zones,
    study: NDArray[np.bool_],
    counts: NDArray[np.uint16],
) -> shapely.Geometry:
    br, bc = divmod(block, coarse.nx)
    r0, c0 = br * block_cells, bc * block_cells
    r1, c1 = min(r0 + block_cells, grid.ny), min(c0 + block_cells, grid.nx)
    free = study[r0:r1, c0:c1] & (zones.labels[r0:r1, c0:c1] == label) & (counts[r0:r1, c0:c1] == 0)
    return cells_to_polygon(grid, free, r0, c0)


def cells_to_polygon(
    grid: Grid, cells: NDArray[np.bool_], r0: int = 0, c0: int = 0
) -> shapely.Geometry:
    """Union of the true cells of a window (top-left index ``r0, c0``) as EPSG:5186 polygons."""
    padded = np.zeros((cells.shape[0], cells.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = cells
    step = np.diff(padded, axis=1)
    rows_s, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    if rows_s.size == 0:
        return shapely.Polygon()
    x0 = grid.x0 + (c0 + starts) * grid.cell
    x1 = grid.x0 + (c0 + ends) * grid.cell
    y0 = grid.y0 + (r0 + rows_s) * grid.cell
    boxes = shapely.box(x0, y0, x1, y0 + grid.cell)
    return shapely.coverage_union_all(boxes)
