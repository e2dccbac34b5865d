"""Regular square grids in EPSG:5186 and a fast scanline rasteriser for polygons.

Rasters are numpy arrays of shape ``(ny, nx)``; row 0 is the *southern* edge (``y0``), column 0
the western edge (``x0``). A cell is "inside" a polygon when its centre is (half-open rule, so a
centre on a shared edge belongs to exactly one of two neighbouring polygons).

The rasteriser accumulates the non-zero winding number of counter-clockwise rings into a
difference array and takes a cumulative sum along each row: the cost is proportional to the number
of (edge, row) crossings, not to polygon area, and overlapping polygons *add up*, which is exactly
the per-cell camera count that coverage needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from gis.crs import METRIC

Int = np.int64
_EDGE_CHUNK = 1 << 20  # bounds temporary memory to a few hundred MB


@dataclass(frozen=True)
class Grid:
    """A north-up square grid in EPSG:5186: origin ``(x0, y0)`` is the south-west corner."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    crs: str = METRIC

    def __post_init__(self) -> None:
        if not (self.cell > 0 and self.nx > 0 and self.ny > 0):
            raise ValueError(f"bad grid: cell={self.cell} nx={self.nx} ny={self.ny}")

    @classmethod
    def from_bounds(cls, bounds: Sequence[float], cell: float, *, pad: float = 0.0) -> Grid:
        """Grid covering ``(minx, miny, maxx, maxy)`` (EPSG:5186 m), origin snapped to ``cell``."""
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        if not all(map(math.isfinite, (minx, miny, maxx, maxy))) or maxx < minx or maxy < miny:
            raise ValueError(f"bad bounds {bounds!r}")
        x0 = math.floor((minx - pad) / cell) * cell
        y0 = math.floor((miny - pad) / cell) * cell
        nx = max(1, math.ceil((maxx + pad - x0) / cell))
        ny = max(1, math.ceil((maxy + pad - y0) / cell))
        return cls(x0, y0, float(cell), nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    @property
    def cell_area(self) -> float:
        """Area of one cell in m²."""
        return self.cell * self.cell

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x0 + self.nx * self.cell, self.y0 + self.ny * self.cell)

    def centers_x(self) -> NDArray[np.float64]:
        return np.asarray(self.x0 + (np.arange(self.nx) + 0.5) * self.cell, dtype=np.float64)

    def centers_y(self) -> NDArray[np.float64]:
        return np.asarray(self.y0 + (np.arange(self.ny) + 0.5) * self.cell, dtype=np.float64)

    def locate(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[Int], NDArray[Int]]:
        """(row, col) of the cells holding points (EPSG:5186); -1 for points off the grid."""
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
        col = np.floor((xa - self.x0) / self.cell)
        row = np.floor((ya - self.y0) / self.cell)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)  # NaN → False
        return np.where(ok, row, -1).astype(Int), np.where(ok, col, -1).astype(Int)

    def coarsen(self, factor: int) -> Grid:
        """Grid of ``factor × factor`` blocks of this one (same origin, partial edge blocks)."""
        if factor < 1:
            raise ValueError("factor must be >= 1")
        return Grid(
            self.x0,
            self.y0,
            self.cell * factor,
            -(-self.nx // factor),
            -(-self.ny // factor),
            self.crs,
        )

    def window(self, bounds: Sequence[float]) -> tuple[int, int, int, int]:
        """``(r0, r1, c0, c1)`` index window of the cells whose centres may lie in ``bounds``."""
        minx, miny, maxx, maxy = bounds
        c0 = max(0, math.floor((minx - self.x0) / self.cell - 0.5))
        c1 = min(self.nx, math.ceil((maxx - self.x0) / self.cell - 0.5) + 1)
        r0 = max(0, math.floor((miny - self.y0) / self.cell - 0.5))
        r1 = min(self.ny, math.ceil((maxy - self.y0) / self.cell - 0.5) + 1)
        return r0, max(r0, r1), c0, max(c0, c1)

    def subgrid(self, r0: int, r1: int, c0: int, c1: int) -> Grid:
        """The cells ``[r0:r1, c0:c1]`` as a grid of their own (same cell size)."""
        return Grid(
            self.x0 + c0 * self.cell,
            self.y0 + r0 * self.cell,
            self.cell,
            c1 - c0,
            r1 - r0,
            self.crs,
        )

    def cell_boxes(self, rows: ArrayLike, cols: ArrayLike) -> NDArray[np.object_]:
        """Shapely boxes (EPSG:5186) of the given cells."""
        r = np.asarray(rows)
        c = np.asarray(cols)
        minx = self.x0 + c * self.cell
        miny = self.y0 + r * self.cell
        return np.asarray(shapely.box(minx, miny, minx + self.cell, miny + self.cell))


def block_reduce_sum(values: NDArray[np.generic], factor: int) -> NDArray[np.float64]:
    """Sum ``factor × factor`` blocks of a raster (edge blocks padded with zeros)."""
    ny, nx = values.shape
    py, px = -(-ny // factor) * factor, -(-nx // factor) * factor
    padded = np.zeros((py, px), dtype=np.float64)
    padded[:ny, :nx] = values
    return padded.reshape(py // factor, factor, px // factor, factor).sum(axis=(1, 3))


# --- scanline rasteriser -------------------------------------------------------------------


def _edges_from_rings(
    ring_xy: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Edges of closed rings stored as an ``(n, k, 2)`` array (last vertex == first)."""
    a = ring_xy[:, :-1, :].reshape(-1, 2)
    b = ring_xy[:, 1:, :].reshape(-1, 2)
    return a[:, 0], a[:, 1], b[:, 0], b[:, 1]


def edges_from_geometries(
    geoms: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Edges of (multi)polygons, re-oriented so that shells are CCW and holes CW."""
    arr = np.asarray(geoms, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    parts = shapely.get_parts(shapely.get_parts(arr))  # multi-parts and collections
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    oriented = shapely.orient_polygons(parts, exterior_cw=False)
    rings = shapely.get_rings(oriented)
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    same = idx[:-1] == idx[1:]
    return xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]


def _crossings(
    grid: Grid,
    x1: NDArray[np.float64],
    y1: NDArray[np.float64],
    x2: NDArray[np.float64],
    y2: NDArray[np.float64],
) -> tuple[NDArray[Int], NDArray[np.int32]]:
    """(flat diff index, ±1) for every crossing of an edge with a row's centre line."""
    ymin = np.minimum(y1, y2)
    ymax = np.maximum(y1, y2)
    r_start = np.clip(np.ceil((ymin - grid.y0) / grid.cell - 0.5), 0, grid.ny).astype(Int)
    r_end = np.clip(np.ceil((ymax - grid.y0) / grid.cell - 0.5), 0, grid.ny).astype(Int)
    n = np.maximum(r_end - r_start, 0)
    total = int(n.sum())
    if total == 0:
        return np.zeros(0, dtype=Int), np.zeros(0, dtype=np.int32)
    edge = np.repeat(np.arange(n.size), n)
    first = np.cumsum(n) - n
    row = r_start[edge] + (np.arange(total) - first[edge])
    yc = grid.y0 + (row + 0.5) * grid.cell
    ex1, ey1, ex2, ey2 = x1[edge], y1[edge], x2[edge], y2[edge]
    xc = ex1 + (yc - ey1) * (ex2 - ex1) / (ey2 - ey1)
    col = np.clip(np.ceil((xc - grid.x0) / grid.cell - 0.5), 0, grid.nx).astype(Int)
    # CCW ring: a downward edge is where a left-to-right scan enters the polygon (+1).
    sign = np.where(ey2 < ey1, 1, -1).astype(np.int32)
    return row * (grid.nx + 1) + col, sign


def accumulate_edges(
    grid: Grid,
    edges: tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
    ],
    diff: NDArray[np.integer[Any]],
) -> None:
    """Add the winding contributions of CCW-oriented edges into ``diff`` (shape ny × nx+1).

    ``diff`` may be an unsigned type: the arithmetic is then modulo 2^bits, which is still
    exact after the row-wise cumulative sum as long as true counts stay below 2^bits.
    """
    flat = diff.reshape(-1)
    x1, y1, x2, y2 = edges
    for s in range(0, x1.size, _EDGE_CHUNK):
        sl = slice(s, s + _EDGE_CHUNK)
        index, sign = _crossings(grid, x1[sl], y1[sl], x2[sl], y2[sl])
        np.add.at(flat, index, sign.astype(flat.dtype))


def winding_count(
    grid: Grid,
    edges: tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
    ],
) -> NDArray[np.int32]:
    """Number of CCW polygons (given by their edges) containing each cell centre."""
    diff = np.zeros((grid.ny, grid.nx + 1), dtype=np.int32)
    accumulate_edges(grid, edges, diff)
    return np.cumsum(diff, axis=1, dtype=np.int32)[:, : grid.nx]


def polygon_mask(grid: Grid, geoms: ArrayLike) -> NDArray[np.bool_]:
    """Cells (EPSG:5186 grid) whose centre lies in the union of ``geoms`` (EPSG:5186)."""
    return winding_count(grid, edges_from_geometries(geoms)) > 0


def rasterize_labels(grid: Grid, geoms: ArrayLike, *, fill: int = -1) -> NDArray[np.int32]:
    """Label raster: index of the polygon in ``geoms`` holding each cell centre, else ``fill``.

    ``geoms`` are EPSG:5186 (multi)polygons; where they overlap, the first one wins.
    """
    labels = np.full(grid.shape, fill, dtype=np.int32)
    for i, geom in enumerate(np.asarray(geoms, dtype=object)):
        if geom is None or shapely.is_empty(geom):
            continue
        r0, r1, c0, c1 = grid.window(shapely.bounds(geom))
        if r1 <= r0 or c1 <= c0:
            continue
        sub = grid.subgrid(r0, r1, c0, c1)
        inside = winding_count(sub, edges_from_geometries([geom])) > 0
        view = labels[r0:r1, c0:c1]
        view[inside & (view == fill)] = i
    return labels


def bin_points_sum(
    grid: Grid, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Point counts (or weight sums) per cell of an EPSG:5186 grid; off-grid points ignored."""
    row, col = grid.locate(x, y)
    ok = row >= 0
    w = None if weights is None else np.asarray(weights, dtype=float)[ok]
    flat = np.bincount(row[ok] * grid.nx + col[ok], weights=w, minlength=grid.size)
    return np.asarray(flat, dtype=np.float64).reshape(grid.shape)
