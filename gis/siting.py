"""Where the next cameras go: greedy maximal-covering location (MCLP), EPSG:5186.

Demand lives on a coarse square grid (e.g. the coverage grid coarsened to 25 m): each cell's
weight mixes uncovered hotspot risk, resident population and floating population (subway
stations, parks), times the cell's *uncovered* share. A new camera is assumed to see a full
circle of ``radius_m`` (PTZ / 360°) and covers a demand cell when the cell centre is within
that radius. Greedy picks the candidate with the largest newly covered weight, K times; the
objective is submodular, so lazy evaluation (priority queue) gives the same picks as plain greedy
and greedy is within (1 − 1/e) of the optimum.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from gis.crs import METRIC, to_metric
from gis.grids import Grid, bin_points_sum, rasterize_labels


@dataclass(frozen=True)
class DemandWeights:
    """Relative weights of the demand components (each is normalised to sum 1 first)."""

    risk: float = 0.5
    population: float = 0.3
    floating: float = 0.2


def normalise(surface: NDArray[np.float64] | None, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Surface scaled to sum 1 over ``mask`` (zeros when absent or all zero)."""
    out = np.zeros(mask.shape)
    if surface is None:
        return out
    vals = np.where(mask, np.nan_to_num(np.maximum(surface, 0.0)), 0.0)
    total = vals.sum()
    return vals / total if total > 0 else out


def population_surface(
    grid: Grid, dongs: gpd.GeoDataFrame, *, column: str = "population"
) -> NDArray[np.float64]:
    """Residents per cell: each dong's population spread evenly over its cells (EPSG:5186 grid;
    dongs any CRS). Dongs too small to hold a cell centre are dropped."""
    metric = to_metric(dongs)
    labels = rasterize_labels(grid, shapely.make_valid(np.asarray(metric.geometry.array)))
    cells = np.bincount(labels[labels >= 0], minlength=len(metric))
    pop = np.nan_to_num(metric[column].to_numpy(dtype=float))
    per_cell = np.where(cells > 0, pop / np.maximum(cells, 1), 0.0)
    return np.where(labels >= 0, per_cell[np.maximum(labels, 0)], 0.0)


def attractor_surface(
    grid: Grid,
    x: ArrayLike,
    y: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    sigma_m: float = 300.0,
) -> NDArray[np.float64]:
    """Floating-population proxy: Gaussian-smoothed attractor points (EPSG:5186)."""
    counts = bin_points_sum(grid, x, y, weights)
    return np.asarray(
        ndimage.gaussian_filter(counts, sigma=sigma_m / grid.cell, mode="constant"),
        dtype=np.float64,
    )


def demand_surface(
    mask: NDArray[np.bool_],
    uncovered_share: NDArray[np.float64],
    *,
    risk: NDArray[np.float64] | None = None,
    population: NDArray[np.float64] | None = None,
    floating: NDArray[np.float64] | None = None,
    weights: DemandWeights | None = None,
) -> NDArray[np.float64]:
    """Demand weight per cell = Σ weight_c · normalised component_c × uncovered share (0–1).

    With no component at all, demand is the uncovered share itself (plain area coverage).
    """
    w = weights or DemandWeights()
    parts = [(w.risk, risk), (w.population, population), (w.floating, floating)]
    given = [(a, s) for a, s in parts if s is not None and a > 0]
    base = sum(a * normalise(s, mask) for a, s in given) if given else mask.astype(np.float64)
    share = np.clip(np.nan_to_num(uncovered_share, nan=0.0), 0.0, 1.0)
    return np.asarray(np.where(mask, base * share, 0.0), dtype=np.float64)


def coverage_matrix(
    candidates_xy: NDArray[np.float64], demand_xy: NDArray[np.float64], radius_m: float
) -> sp.csr_array:
    """Binary (candidates × demand) matrix: demand point within ``radius_m`` of the candidate."""
    tree = cKDTree(demand_xy)
    hits = tree.query_ball_point(candidates_xy, r=radius_m)
    lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(indptr[-1]))
    data = np.ones(indices.size, dtype=np.float64)
    return sp.csr_array((data, indices, indptr), shape=(len(candidates_xy), len(demand_xy)))


def greedy_mclp(
    cover: sp.csr_array, demand: ArrayLike, k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Lazy greedy MCLP: ≤ ``k`` candidate rows of ``cover`` maximising covered ``demand``.

    Returns (picked candidate indices, demand newly covered by each pick, demand points newly
    covered by each pick). Stops early when no candidate adds demand. Ties → lowest index.
    """
    w = np.asarray(demand, dtype=float)
    cover = sp.csr_array(cover)
    covered = np.zeros(w.size, dtype=bool)
    gains0 = cover @ w
    heap = [(-g, j) for j, g in enumerate(gains0) if g > 0]
    heapq.heapify(heap)
    picks: list[int] = []
    gains: list[float] = []
    newly: list[int] = []
    ptr, idx = cover.indptr, cover.indices
    while heap and len(picks) < k:
        _, j = heapq.heappop(heap)
        row = idx[ptr[j] : ptr[j + 1]]
        fresh = row[~covered[row]]
        gain = float(w[fresh].sum())
        if gain <= 0:
            continue
        if heap and (-gain, j) > heap[0]:
            heapq.heappush(heap, (-gain, j))  # stale: re-queue with its current gain
            continue
        covered[fresh] = True
        picks.append(j)
        gains.append(gain)
        newly.append(int(fresh.size))
    return np.asarray(picks, np.int64), np.asarray(gains), np.asarray(newly, np.int64)


@dataclass(frozen=True)
class SitingResult:
    """Ranked recommended sites (EPSG:5186 points) and the method used."""

    sites: gpd.GeoDataFrame
    method: str
    total_demand: float


def recommend_sites(
    grid: Grid,
    demand: NDArray[np.float64],
    k: int,
    *,
    radius_m: float = 50.0,
    uncovered_share: NDArray[np.float64] | None = None,
    candidates_xy: NDArray[np.float64] | None = None,
) -> SitingResult:
    """Recommend ``k`` camera sites maximising covered demand (``demand`` on ``grid``, 5186).

    Candidates default to the centres of cells with positive demand. Output columns: ``rank``,
    ``gain`` (demand weight newly covered), ``gain_pct`` (of the total demand),
    ``cumulative_pct``, ``gain_m2`` (uncovered area newly covered: cells × cell area ×
    uncovered share), geometry (EPSG:5186 point).
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    rows, cols = np.nonzero(demand > 0)
    dxy = np.column_stack([grid.centers_x()[cols], grid.centers_y()[rows]])
    w = demand[rows, cols]
    cxy = dxy if candidates_xy is None else np.asarray(candidates_xy, dtype=float).reshape(-1, 2)
    total = float(w.sum())
    if w.size == 0 or len(cxy) == 0 or k == 0:
        picks = np.zeros(0, np.int64)
        gains = np.zeros(0)
        area = np.zeros(0)
    else:
        cover = coverage_matrix(cxy, dxy, radius_m)
        picks, gains, _ = greedy_mclp(cover, w, k)
        share = (
            np.ones(w.size)
            if uncovered_share is None
            else np.clip(np.nan_to_num(uncovered_share[rows, cols]), 0.0, 1.0)
        )
        area = _area_gains(cover, picks, share * grid.cell_area)
    pct = 100.0 * gains / total if total > 0 else np.zeros_like(gains)
    sites = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, picks.size + 1),
            "gain": gains,
            "gain_pct": pct,
            "cumulative_pct": np.cumsum(pct),
            "gain_m2": area,
        },
        geometry=shapely.points(cxy[picks]) if picks.size else [],
        crs=METRIC,
    )
    method = (
        f"greedy maximal covering location (lazy evaluation), {len(cxy)} candidates, "
        f"{w.size} demand cells of {grid.cell:g} m, new camera = full circle r={radius_m:g} m"
    )
    return SitingResult(sites, method, total)


def _area_gains(
    cover: sp.csr_array, picks: NDArray[np.int64], cell_m2: NDArray[np.float64]
) -> NDArray[np.float64]:
    covered = np.zeros(cell_m2.size, dtype=bool)
    out = np.zeros(picks.size)
    for i, j in enumerate(picks):
        row = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        fresh = row[~covered[row]]
        covered[fresh] = True
        out[i] = cell_m2[fresh].sum()
    return out
