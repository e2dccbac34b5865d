"""Building occlusion on the coverage raster (EPSG:5186): a camera does not see inside a building
nor behind one.

Buildings are rasterised once on the coverage grid (`blocker_mask`). For a camera, a footprint
cell is hidden when its centre lies in a building cell or when the straight line from the camera
to that centre crosses a building cell (sampled every half cell). Heights are ignored: a building
footprint blocks the view whatever its height (street cameras are mounted at 3–8 m, below almost
every building). Samples within one cell of the camera are skipped, so a camera mounted on a wall
still sees the street in front of it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gis.footprints import CameraParams
from gis.grids import Grid, polygon_mask


def blocker_mask(grid: Grid, buildings: ArrayLike) -> NDArray[np.bool_]:
    """Cells of ``grid`` whose centre lies in a building footprint (polygons in EPSG:5186)."""
    arr = np.asarray(buildings, dtype=object).ravel()
    if arr.size == 0:
        return np.zeros(grid.shape, dtype=bool)
    return polygon_mask(grid, arr)


def hidden_cells(
    grid: Grid, cam: CameraParams, cells: NDArray[np.int64], blockers: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Which of one camera's footprint ``cells`` (flat indices) it cannot see (EPSG:5186)."""
    if cells.size == 0:
        return np.zeros(0, dtype=bool)
    flat = blockers.reshape(-1)
    hidden = flat[cells].copy()
    rows, cols = np.divmod(cells, grid.nx)
    cx = grid.x0 + (cols + 0.5) * grid.cell
    cy = grid.y0 + (rows + 0.5) * grid.cell
    x0, y0 = float(cam.x[0]), float(cam.y[0])
    dist = np.hypot(cx - x0, cy - y0)
    step = grid.cell / 2.0
    n = np.ceil(dist / step).astype(np.int64)
    todo = np.flatnonzero(~hidden & (n > 2))
    if todo.size == 0:
        return hidden
    k = n[todo]
    owner = np.repeat(todo, k - 1)
    first = np.repeat(np.cumsum(k - 1) - (k - 1), k - 1)
    j = np.arange(owner.size) - first + 1  # sample 1 … k-1 (the cell centre itself excluded)
    t = j / np.repeat(k, k - 1)
    sx = x0 + t * (cx[owner] - x0)
    sy = y0 + t * (cy[owner] - y0)
    near_camera = t * dist[owner] <= grid.cell
    r, c = grid.locate(sx, sy)
    inside = (r >= 0) & ~near_camera
    blocked = np.zeros(owner.size, dtype=bool)
    blocked[inside] = flat[r[inside] * grid.nx + c[inside]]
    hit = np.zeros(cells.size, dtype=bool)
    np.logical_or.at(hit, owner[blocked], True)
    return hidden | hit
