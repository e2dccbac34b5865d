"""BlazePose keypoints on real people found by the detector."""

from __future__ import annotations

import numpy as np

from workers.detectors.base import POSE_LANDMARKS, Detector, PoseEstimator
from workers.detectors.evaluation import Sample
from workers.detectors.plugins.openvino_pose import roi_transform


def test_roi_transform_maps_the_box_centre_to_the_crop_centre() -> None:
    m = roi_transform((100.0, 50.0), 512.0, 0.0)
    assert np.allclose(m @ [100, 50, 1], [128, 128])
    assert np.allclose(m @ [356, 50, 1], [256, 128])  # half the crop to the right
    rotated = roi_transform((0.0, 0.0), 256.0, np.pi / 2)
    assert np.allclose(rotated @ [0, -10, 1], [118, 128])


def test_keypoints_land_inside_the_person_box(
    ssd_int8: Detector, pose: PoseEstimator, pedestrian_samples: list[Sample]
) -> None:
    checked = large = 0
    for sample in pedestrian_samples[:8]:
        for det in ssd_int8.detect(sample.image):
            if det.height < 150:
                continue
            large += 1
            k = pose.estimate(sample.image, det.box)
            assert k.xy.shape == (len(POSE_LANDMARKS), 2)
            # INT8 calibration is not bit-reproducible across builds, so a marginal box (a
            # partly visible person) may come and go; the pose model itself must agree that
            # almost every large detection is a person.
            if k.presence <= 0.5:
                continue
            x1, y1, x2, y2 = det.box
            mx, my = 0.15 * det.width, 0.1 * det.height
            seen = k.visibility > 0.5
            inside = (
                (k.xy[:, 0] >= x1 - mx)
                & (k.xy[:, 0] <= x2 + mx)
                & (k.xy[:, 1] >= y1 - my)
                & (k.xy[:, 1] <= y2 + my)
            )
            assert inside[seen].mean() >= 0.9, (sample.name, det, k.xy[seen & ~inside])
            nose_y, hip_y = k.point("nose")[1], k.point("left_hip")[1]
            ankle_y = k.point("left_ankle")[1]
            assert nose_y < hip_y < ankle_y  # upright pedestrians: head above hips above feet
            checked += 1
    assert checked >= 6 and checked >= 0.8 * large, (checked, large)


def test_presence_is_low_without_a_person(pose: PoseEstimator) -> None:
    blank = np.full((480, 640, 3), 127, np.uint8)
    assert pose.estimate(blank, (100, 100, 200, 300)).presence < 0.2
