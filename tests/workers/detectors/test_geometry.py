"""Box geometry on hand-computed cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from workers.detectors.geometry import (
    intersection_over_smaller,
    iou_matrix,
    letterbox,
    nms,
    tile_grid,
)


def test_iou_of_half_overlapping_boxes() -> None:
    # 10x10 boxes shifted by 5 px: intersection 50, union 150.
    assert iou_matrix([0, 0, 10, 10], [5, 0, 15, 10])[0, 0] == pytest.approx(1 / 3)
    assert iou_matrix([0, 0, 10, 10], [20, 20, 30, 30])[0, 0] == 0.0
    assert iou_matrix([0, 0, 10, 10], [0, 0, 10, 10])[0, 0] == 1.0


def test_intersection_over_smaller_is_one_for_a_contained_box() -> None:
    assert intersection_over_smaller([0, 0, 100, 100], [10, 10, 20, 60])[0, 0] == 1.0


def test_nms_keeps_best_of_overlapping_and_separate_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [2, 0, 12, 10]], float)
    scores = np.array([0.6, 0.9, 0.5, 0.3])
    assert nms(boxes, scores, 0.5).tolist() == [1, 2]
    # With a strict IoU the shifted boxes survive, best first.
    assert nms(boxes, scores, 0.95).tolist() == [1, 0, 2, 3]
    assert nms(boxes, scores, 0.5, max_keep=1).tolist() == [1]


def test_nms_ios_drops_a_box_cut_out_of_a_larger_one() -> None:
    whole, half = [0, 0, 20, 100], [0, 0, 20, 45]  # IoU 0.45, but the half lies inside
    assert nms(np.array([whole, half], float), np.array([0.9, 0.8]), 0.5).tolist() == [0, 1]
    kept = nms(np.array([whole, half], float), np.array([0.9, 0.8]), 0.5, ios_threshold=0.85)
    assert kept.tolist() == [0]


def test_letterbox_scales_pads_and_maps_back() -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, :100] = 255
    out, info = letterbox(frame, 100)
    assert out.shape == (100, 100, 3)
    assert info.scale == 0.5 and info.pad_x == 0 and info.pad_y == 25
    assert (out[:25] == 114).all() and (out[75:] == 114).all()  # grey bars top and bottom
    assert out[50, 10, 0] == 255 and out[50, 90, 0] == 0
    mapped = info.to_original(np.array([[10, 35, 60, 60]]), 200, 100)
    assert mapped.tolist() == [[20, 20, 120, 70]]
    # Boxes spilling into the padding are clipped to the original frame.
    assert info.to_original(np.array([[-10, 0, 120, 100]]), 200, 100).tolist() == [[0, 0, 200, 100]]


def test_tile_grid_covers_the_frame_with_overlap() -> None:
    tiles = tile_grid(1000, 500, 400, 0.25)
    xs = sorted({t[0] for t in tiles})
    assert xs[0] == 0 and max(t[2] for t in tiles) == 1000 and max(t[3] for t in tiles) == 500
    assert all(t[2] - t[0] == 400 and t[3] - t[1] == 400 for t in tiles)
    assert all(b - a <= 300 for a, b in itertools.pairwise(xs))  # >= 100 px shared
    covered = np.zeros((500, 1000), bool)
    for x1, y1, x2, y2 in tiles:
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    assert tile_grid(300, 200, 400, 0.25) == [(0, 0, 300, 200)]
