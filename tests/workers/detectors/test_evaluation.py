"""AP and matching on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from workers.detectors.base import Detection
from workers.detectors.evaluation import Matches, Sample, average_precision, mosaic, report


def test_average_precision_hand_computed() -> None:
    # Ranked TP, FP, TP with 2 ground truths: envelope precision 1 up to r=.5, 2/3 up to r=1.
    assert average_precision([0.9, 0.8, 0.7], [True, False, True], 2) == pytest.approx(
        0.5 + 0.5 * 2 / 3
    )
    assert average_precision([0.9], [True], 2) == pytest.approx(0.5)
    assert average_precision([], [], 3) == 0.0


def test_matches_count_each_ground_truth_once_and_bucket_by_height() -> None:
    gt = np.array([[0, 0, 20, 50], [100, 0, 200, 300]], float)
    dets = [
        Detection("person", 0.9, (0, 0, 20, 50)),
        Detection("person", 0.8, (1, 0, 21, 50)),  # duplicate of the first: false positive
        Detection("person", 0.3, (100, 0, 200, 290)),
    ]
    m = Matches()
    m.add(dets, gt)
    assert m.true_positive == [True, False, True]
    r = report(m, threshold=0.5)
    assert r.recall == 0.5 and r.precision == 0.5
    small = next(row for row in r.by_size if row.bucket == "<60px")
    large = next(row for row in r.by_size if row.bucket == ">=240px")
    assert (small.gt, small.recall, small.detections) == (1, 1.0, 2)
    assert (large.gt, large.recall, large.detections) == (1, 0.0, 0)


def test_mosaic_shrinks_boxes_with_the_photos() -> None:
    image = np.zeros((200, 100, 3), np.uint8)
    sample = Sample("a", image, np.array([[10, 20, 50, 180]], float))
    [frame] = mosaic([sample] * 4, grid=2, size=(200, 200))
    assert frame.image.shape == (200, 200, 3) and len(frame.boxes) == 4
    # Each 100x100 cell holds the photo at scale 0.5, centred horizontally (25 px margin).
    assert frame.boxes[0].tolist() == [30, 10, 50, 90]
    assert frame.boxes[3].tolist() == [130, 110, 150, 190]
