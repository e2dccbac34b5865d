"""Incident hotspots: binned KDE surface and Getis-Ord Gi* z/p on a square or H3 grid.

Incidents are points in EPSG:5186 metres (use `gis.crs.lonlat_to_metric` for lon/lat). The study
area is the set of grid cells whose centre lies in the area polygons (cells outside are not
observations, so they neither count as zeros nor as neighbours).

Gi* (Ord & Getis 1995, self included) with binary distance-band weights w_ij = 1 when cell
centres are within ``gi_distance_m`` (the cell itself included)::

    z_i = (Σ_j w_ij x_j − x̄ W_i) / (S · sqrt((n Σ_j w_ij² − W_i²) / (n − 1)))

where x̄ and S (population standard deviation) are taken over the n study cells and
W_i = Σ_j w_ij. p-values are two-sided from the standard normal. On a square grid the neighbour
sums are a 2-D correlation with a disc kernel, so a million incidents take well under a second.
The KDE is a Gaussian kernel applied to the binned counts (incidents per km²).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import h3
import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage
from scipy.special import ndtr

from gis.crs import METRIC, WGS84, lonlat_to_metric, metric_to_lonlat
from gis.grids import Grid, bin_points_sum, polygon_mask

log = logging.getLogger(__name__)

HOT_CLASSES = ((0.01, "99"), (0.05, "95"), (0.10, "90"))


@dataclass(frozen=True)
class HotspotResult:
    """Per-cell hotspot table plus the method that produced it.

    ``cells`` (EPSG:5186 polygons) has: ``cell`` (square: row*nx+col; H3: cell index string),
    ``count``, ``kde`` (incidents/km², square grid only, NaN for H3), ``gi_z``, ``gi_p``,
    ``hotspot`` ("hot_99" … "cold_90", "ns"). ``grid`` is set for square grids.
    """

    cells: gpd.GeoDataFrame
    method: str
    grid: Grid | None
    dropped: int
    """Incidents outside the study area."""


bin_points = bin_points_sum
"""Incident counts per cell (alias of `gis.grids.bin_points_sum`)."""


def kde_surface(counts: NDArray[np.float64], grid: Grid, bandwidth_m: float) -> NDArray[np.float64]:
    """Binned Gaussian KDE (σ = ``bandwidth_m``) of a count raster, in incidents per km²."""
    smooth = ndimage.gaussian_filter(counts, sigma=bandwidth_m / grid.cell, mode="constant")
    return np.asarray(smooth / (grid.cell_area / 1e6), dtype=np.float64)


def disc_kernel(radius_cells: float) -> NDArray[np.float64]:
    """Binary kernel of cells whose centres are within ``radius_cells`` of the centre cell."""
    r = math.floor(radius_cells)
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx * xx + yy * yy <= radius_cells * radius_cells + 1e-9).astype(np.float64)


def gi_star_raster(
    values: NDArray[np.float64], mask: NDArray[np.bool_], kernel: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gi* z and two-sided p for each masked cell (NaN elsewhere), binary ``kernel`` weights."""
    n = int(mask.sum())
    if n < 2:
        raise ValueError("Gi* needs at least two study cells")
    x = np.where(mask, values, 0.0)
    m = mask.astype(np.float64)
    mean = x.sum() / n
    s = math.sqrt(max((x * x).sum() / n - mean * mean, 0.0))
    lag = ndimage.correlate(x, kernel, mode="constant")
    w_sum = ndimage.correlate(m, kernel, mode="constant")  # binary: Σw² == Σw
    return _gi_from_sums(lag, w_sum, w_sum, mean, s, n, mask)


def _gi_from_sums(
    lag: NDArray[np.float64],
    w_sum: NDArray[np.float64],
    w_sq: NDArray[np.float64],
    mean: float,
    s: float,
    n: int,
    mask: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    with np.errstate(invalid="ignore", divide="ignore"):
        den = s * np.sqrt(np.maximum(n * w_sq - w_sum * w_sum, 0.0) / (n - 1))
        z = np.where(mask & (den > 0), (lag - mean * w_sum) / den, np.nan)
    z = np.where(mask & ~np.isfinite(z), 0.0, z)  # constant field: no evidence either way
    p = np.where(np.isfinite(z), 2.0 * ndtr(-np.abs(np.nan_to_num(z))), np.nan)
    return z, p


def gi_star_sparse(
    values: NDArray[np.float64], weights: sp.csr_array
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gi* z and two-sided p for any binary weights matrix that includes the diagonal."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if n < 2:
        raise ValueError("Gi* needs at least two observations")
    mean = float(x.mean())
    s = math.sqrt(max(float((x * x).mean()) - mean * mean, 0.0))
    w = sp.csr_array(weights, dtype=float)
    lag = w @ x
    w_sum = np.asarray(w.sum(axis=1)).ravel()
    w_sq = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    return _gi_from_sums(lag, w_sum, w_sq, mean, s, n, np.ones(n, dtype=bool))


def classify(z: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.object_]:
    """'hot_99' / 'hot_95' / 'hot_90' / 'cold_…' by two-sided p and sign of z, else 'ns'."""
    out = np.full(z.shape, "ns", dtype=object)
    for alpha, label in reversed(HOT_CLASSES):
        sig = np.nan_to_num(p, nan=1.0) <= alpha
        out[sig & (z > 0)] = f"hot_{label}"
        out[sig & (z < 0)] = f"cold_{label}"
    return out


def hotspots(
    x: ArrayLike,
    y: ArrayLike,
    area: ArrayLike,
    *,
    grid_kind: Literal["square", "h3"] = "square",
    cell_m: float = 250.0,
    grid: Grid | None = None,
    bandwidth_m: float = 500.0,
    gi_distance_m: float | None = None,
    h3_resolution: int = 8,
    h3_k: int = 1,
    weights: ArrayLike | None = None,
) -> HotspotResult:
    """KDE + Gi* hotspots of incident points (EPSG:5186) inside ``area`` polygons (EPSG:5186).

    Square grid: ``cell_m`` cells (or an explicit ``grid``, e.g. a coarsened coverage grid);
    Gi* band ``gi_distance_m`` (default 1.5 cells = the 8 neighbours + self). H3: resolution
    ``h3_resolution``, neighbours = ``grid_disk(k=h3_k)``; no KDE column (NaN).
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if grid_kind == "h3":
        return _hotspots_h3(xa, ya, area, h3_resolution, h3_k, weights)
    if grid_kind != "square":
        raise ValueError(f"grid_kind must be 'square' or 'h3', got {grid_kind!r}")
    geoms = np.asarray(area, dtype=object)
    if grid is None:
        grid = Grid.from_bounds(shapely.total_bounds(geoms), cell_m)
    mask = polygon_mask(grid, geoms)
    counts = bin_points(grid, xa, ya, weights)
    dropped = int(xa.size - counts[mask].sum()) if weights is None else 0
    counts[~mask] = 0.0
    kde = kde_surface(counts, grid, bandwidth_m)
    band = gi_distance_m if gi_distance_m is not None else 1.5 * grid.cell
    z, p = gi_star_raster(counts, mask, disc_kernel(band / grid.cell))
    rows, cols = np.nonzero(mask)
    cells = gpd.GeoDataFrame(
        {
            "cell": rows * grid.nx + cols,
            "count": counts[rows, cols],
            "kde": kde[rows, cols],
            "gi_z": z[rows, cols],
            "gi_p": p[rows, cols],
            "hotspot": classify(z[rows, cols], p[rows, cols]),
        },
        geometry=grid.cell_boxes(rows, cols),
        crs=METRIC,
    )
    method = (
        f"Getis-Ord Gi* (binary distance band {band:g} m incl. self, {mask.sum()} square cells "
        f"of {grid.cell:g} m, analytical normal p two-sided); KDE Gaussian sigma "
        f"{bandwidth_m:g} m on the binned counts (incidents/km²)"
    )
    return HotspotResult(cells, method, grid, dropped)


def _hotspots_h3(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    area: ArrayLike,
    res: int,
    k: int,
    weights: ArrayLike | None,
) -> HotspotResult:
    geoms = np.asarray(area, dtype=object)
    union = shapely.union_all(geoms)
    lon, lat = metric_to_lonlat(x, y)
    study = _h3_cells_in(union, res)
    index = {c: i for i, c in enumerate(study)}
    pts = [index.get(h3.latlng_to_cell(a, b, res), -1) for a, b in zip(lat, lon, strict=True)]
    pos = np.asarray(pts, dtype=np.int64)
    ok = pos >= 0
    w = None if weights is None else np.asarray(weights, dtype=float)[ok]
    counts = np.bincount(pos[ok], weights=w, minlength=len(study)).astype(float)
    rows, cols = [], []
    for i, c in enumerate(study):
        for nb in h3.grid_disk(c, k):
            j = index.get(nb)
            if j is not None:
                rows.append(i)
                cols.append(j)
    wm = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(study), len(study)))
    z, p = gi_star_sparse(counts, wm)
    polys = [shapely.Polygon([(b, a) for a, b in h3.cell_to_boundary(c)]) for c in study]
    cells = gpd.GeoDataFrame(
        {
            "cell": study,
            "count": counts,
            "kde": np.nan,
            "gi_z": z,
            "gi_p": p,
            "hotspot": classify(z, p),
        },
        geometry=polys,
        crs=WGS84,
    ).to_crs(METRIC)
    method = (
        f"Getis-Ord Gi* (H3 resolution {res}, binary k={k} ring incl. self, {len(study)} cells, "
        "analytical normal p two-sided); no KDE on H3"
    )
    return HotspotResult(cells, method, None, int((~ok).sum()))


def _h3_cells_in(union_metric: shapely.Geometry, res: int) -> list[str]:
    """H3 cells whose centre lies in an EPSG:5186 polygon (sampled on a fine square grid)."""
    edge = h3.average_hexagon_edge_length(res, unit="m")
    grid = Grid.from_bounds(shapely.bounds(union_metric), edge / 2)
    mask = polygon_mask(grid, np.array([union_metric], dtype=object))
    rows, cols = np.nonzero(mask)
    lon, lat = metric_to_lonlat(grid.centers_x()[cols], grid.centers_y()[rows])
    cand = sorted({h3.latlng_to_cell(a, b, res) for a, b in zip(lat, lon, strict=True)})
    cen = np.array([h3.cell_to_latlng(c) for c in cand])
    cx, cy = lonlat_to_metric(cen[:, 1], cen[:, 0])
    shapely.prepare(union_metric)
    inside = shapely.contains_xy(union_metric, cx, cy)
    return [c for c, keep in zip(cand, inside, strict=True) if keep]


def uncovered_hotspots(
    result: HotspotResult,
    covered_fraction: ArrayLike,
    *,
    max_coverage: float = 0.3,
    min_confidence: int = 95,
) -> gpd.GeoDataFrame:
    """Hot cells (≥ ``min_confidence`` %) whose covered share is ≤ ``max_coverage``.

    ``covered_fraction`` is aligned with ``result.cells`` rows (see
    `gis.coverage.covered_fraction` for square grids); output is sorted by Gi* z, EPSG:5186.
    """
    frac = np.asarray(covered_fraction, dtype=float)
    if frac.shape != (len(result.cells),):
        raise ValueError("covered_fraction must have one value per hotspot cell")
    labels = [f"hot_{c}" for a, c in HOT_CLASSES if (1 - a) * 100 >= min_confidence - 1e-9]
    cells = result.cells.assign(covered_fraction=frac)
    pick = cells["hotspot"].isin(labels) & (cells["covered_fraction"] <= max_coverage)
    out = cells[pick].sort_values("gi_z", ascending=False)
    out.attrs["method"] = result.method
    return out
