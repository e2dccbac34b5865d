"""Grid geometry and the scanline rasteriser (cell-centre rule, holes, orientation)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gis.grids import Grid, block_reduce_sum, polygon_mask, rasterize_labels


def test_from_bounds_snaps_origin_and_covers_bounds() -> None:
    g = Grid.from_bounds((12.0, 7.0, 31.0, 20.0), 5.0)
    assert (g.x0, g.y0, g.nx, g.ny) == (10.0, 5.0, 5, 3)
    assert g.bounds[2] >= 31.0 and g.bounds[3] >= 20.0


def test_bad_bounds_rejected() -> None:
    with pytest.raises(ValueError):
        Grid.from_bounds((0.0, 0.0, float("nan"), 1.0), 1.0)


def test_locate_marks_off_grid_and_nan() -> None:
    g = Grid(0.0, 0.0, 10.0, 3, 2)
    row, col = g.locate([5.0, 25.0, -1.0, np.nan], [5.0, 15.0, 5.0, 5.0])
    assert row.tolist() == [0, 1, -1, -1]
    assert col.tolist() == [0, 2, -1, -1]


def test_square_with_hole_area_exact_on_cell_centres() -> None:
    # 10 × 10 square with a 4 × 4 hole, 1 m cells aligned to the edges: 100 − 16 = 84 cells.
    poly = shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(3, 3), (3, 7), (7, 7), (7, 3)]]
    )
    g = Grid(-2.0, -2.0, 1.0, 14, 14)
    mask = polygon_mask(g, np.array([poly], dtype=object))
    assert mask.sum() == 84
    assert not mask[2 + 5, 2 + 5]  # centre of the hole


def test_orientation_does_not_matter() -> None:
    ccw = shapely.Polygon([(0, 0), (6, 0), (6, 4), (0, 4)])
    cw = shapely.Polygon([(0, 0), (0, 4), (6, 4), (6, 0)])
    g = Grid(-1.0, -1.0, 0.5, 20, 20)
    a = polygon_mask(g, np.array([ccw], dtype=object))
    b = polygon_mask(g, np.array([cw], dtype=object))
    assert a.sum() == 6 * 4 * 4 and np.array_equal(a, b)


def test_labels_shared_edge_each_cell_once_and_empty_polygon() -> None:
    left = shapely.box(0, 0, 5, 10)
    right = shapely.box(5, 0, 10, 10)
    g = Grid(0.0, 0.0, 1.0, 10, 10)
    labels = rasterize_labels(g, np.array([left, shapely.Polygon(), right], dtype=object))
    assert (labels == 0).sum() == 50 and (labels == 2).sum() == 50 and (labels == 1).sum() == 0
    assert (labels == -1).sum() == 0


def test_raster_area_matches_shapely_for_irregular_polygon() -> None:
    poly = shapely.Point(0, 0).buffer(37.3, quad_segs=16).difference(shapely.box(-5, -50, 50, 3))
    g = Grid.from_bounds(poly.bounds, 0.25, pad=1)
    area = polygon_mask(g, np.array([poly], dtype=object)).sum() * g.cell_area
    assert area == pytest.approx(poly.area, rel=0.005)


def test_block_reduce_sum_pads_edges() -> None:
    out = block_reduce_sum(np.ones((3, 5)), 2)
    assert out.tolist() == [[4, 4, 2], [2, 2, 1]]
