"""Pose keypoints: MediaPipe BlazePose full landmark model (mediapipe==0.10.14, Apache-2.0).

Runs on a square crop around a person box (``box_scale`` x its longer side, optionally rotated)
and returns the 33 body landmarks in original pixels with visibility in [0, 1].
"""

from __future__ import annotations

import math
import threading
from typing import ClassVar

import cv2
import numpy as np

from workers.detectors.base import Box, Keypoints, PoseConfig, PoseEstimator, check_frame
from workers.detectors.runtime import compile_model
from workers.models.inputs import POSE_SIZE, pose_input_from_crop

BODY_LANDMARKS = 33  # the model also outputs 6 auxiliary ROI points, dropped here


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -50, 50))), dtype=np.float32)


def roi_transform(center: tuple[float, float], size: float, angle: float) -> np.ndarray:
    """2x3 affine map from frame pixels to the 256x256 model input (``angle`` in radians)."""
    scale = POSE_SIZE / size
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    cx, cy = center
    half = POSE_SIZE / 2
    return np.array(
        [[cos, sin, half - cos * cx - sin * cy], [-sin, cos, half + sin * cx - cos * cy]],
        dtype=np.float64,
    )


class BlazePoseEstimator(PoseEstimator):
    key: ClassVar[str] = "openvino_pose"
    Config = PoseConfig

    def __init__(self, config: PoseConfig) -> None:
        from workers.models import ensure_model

        self.config = config
        built = ensure_model("pose_landmark", "fp32")
        self.compiled = compile_model(
            built.xml,
            device=config.device,
            inference_precision="f32" if config.precision == "FP32" else "bf16",
            performance_hint=config.performance_hint,
            num_threads=config.num_threads,
        )
        names = [o.get_any_name() for o in self.compiled.outputs]
        self._landmarks = self.compiled.outputs[names.index("Identity")]
        self._flag = self.compiled.outputs[names.index("Identity_1")]
        self._request = self.compiled.create_infer_request()
        self._lock = threading.Lock()

    def estimate(self, frame: np.ndarray, box: Box, angle: float = 0.0) -> Keypoints:
        """Landmarks of the person in ``box``; ``angle`` (radians) rotates the crop."""
        frame = check_frame(frame)
        x1, y1, x2, y2 = box
        if x2 <= x1 or y2 <= y1:
            raise ValueError(f"empty person box {box}")
        center = ((x1 + x2) / 2, (y1 + y2) / 2)
        size = max(x2 - x1, y2 - y1) * self.config.box_scale
        forward = roi_transform(center, size, angle)
        crop = cv2.warpAffine(
            frame, forward, (POSE_SIZE, POSE_SIZE), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0)
        )
        with self._lock:
            self._request.infer({0: pose_input_from_crop(crop)})
            raw = self._request.get_tensor(self._landmarks).data.reshape(-1, 5).copy()
            flag = float(self._request.get_tensor(self._flag).data.ravel()[0])
        body = raw[:BODY_LANDMARKS]
        inverse = cv2.invertAffineTransform(forward)
        points = np.hstack([body[:, :2], np.ones((BODY_LANDMARKS, 1))]) @ inverse.T
        return Keypoints(
            xy=points.astype(np.float32),
            visibility=_sigmoid(body[:, 3]),
            presence=flag if 0.0 <= flag <= 1.0 else float(_sigmoid(np.array([flag]))[0]),
            box=(float(x1), float(y1), float(x2), float(y2)),
        )
