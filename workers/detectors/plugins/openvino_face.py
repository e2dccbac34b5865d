"""Faces: MediaPipe BlazeFace full range (mediapipe==0.10.14, Apache-2.0) on OpenVINO.

The 192x192 model sees a letterboxed RGB crop in [-1, 1] and scores 2304 SSD anchors (one per
cell of a 48x48 grid, stride 4, unit size: mediapipe's ``face_detection_full_range_common``
graph). Each anchor regresses ``x, y, w, h`` in input pixels plus six keypoints (unused here);
boxes above ``score_threshold`` are merged by NMS. Faces much smaller than ~1/20 of the input
are missed, so large frames are also run as overlapping tiles of two sizes (a tile pyramid).
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from workers.detectors.base import DetectorConfig, TilingConfig
from workers.detectors.geometry import Letterbox, letterbox
from workers.detectors.runtime import OpenVinoDetector, RawDetections

FACE_SIZE = 192
ANCHOR_GRID = 48  # FACE_SIZE / stride 4
SCORE_CLIP = 100.0  # mediapipe clips logits to +-100 before the sigmoid


class FaceTilingConfig(TilingConfig):
    """The whole frame plus a tile pyramid (``tile_size``, then twice that) on frames taller
    than a tile: BlazeFace misses faces under ~1/20 of its input, and a single tile size cuts
    mid-size faces at tile edges.

    Measured (score 0.5) for whole frame / + 320 px tiles / + 640 px level: Penn-Fudan people
    with a face found, of 160 (most others face away): 67 / 102 / 103; faces on the first frames
    of the 21 fight/nonfight clips of 480+ lines: 3 / 18 / 28 (mostly real; a few mirrors).
    """

    enabled: bool = True
    tile_size: int = Field(default=320, ge=96, le=4096, description="square tile side, pixels")
    overlap: float = Field(default=0.3, ge=0.0, le=0.5, description="overlap, fraction of tile")
    min_frame_height: int = Field(default=321, ge=0, description="tile only frames this tall")
    levels: int = Field(default=2, ge=1, le=4, description="a second tile size for mid-size faces")


class FaceConfig(DetectorConfig):
    """BlazeFace settings (FP32 weights only; BF16 compute on CPUs that have it)."""

    precision: Literal["FP32", "BF16"] = "FP32"  # type: ignore[assignment]
    score_threshold: float = Field(
        default=0.5, ge=0.05, le=0.99, description="face probability (mediapipe uses 0.5-0.6)"
    )
    nms_iou: float = Field(default=0.3, gt=0.0, le=1.0, description="mediapipe's 0.3")
    tiling: FaceTilingConfig = FaceTilingConfig()


@cache
def anchor_centres() -> np.ndarray:
    """(2304, 2) anchor centres in input pixels, row-major like the model output."""
    cells = (np.arange(ANCHOR_GRID, dtype=np.float32) + 0.5) * (FACE_SIZE / ANCHOR_GRID)
    ys, xs = np.meshgrid(cells, cells, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def face_input(crop_bgr: np.ndarray) -> tuple[np.ndarray, Letterbox]:
    """float32 (1, 192, 192, 3) RGB in [-1, 1], letterboxed with black borders."""
    boxed, info = letterbox(crop_bgr, FACE_SIZE, fill=0)
    tensor = boxed[None, :, :, ::-1].astype(np.float32) * (2.0 / 255.0) - 1.0
    return np.ascontiguousarray(tensor), info


def decode(
    regressors: np.ndarray, logits: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Boxes ``x1, y1, x2, y2`` (input pixels) and scores of anchors scoring ``threshold``+."""
    raw = regressors.reshape(-1, 16)
    scores = 1.0 / (
        1.0 + np.exp(-np.clip(logits.reshape(-1).astype(np.float64), -SCORE_CLIP, SCORE_CLIP))
    )
    keep = scores >= threshold
    centre = raw[keep, :2] + anchor_centres()[keep]
    half = np.abs(raw[keep, 2:4]) / 2
    return np.hstack([centre - half, centre + half]).astype(np.float64), scores[keep]


class BlazeFaceDetector(OpenVinoDetector):
    """Face boxes in original pixels, label ``face``. Create once per process."""

    key: ClassVar[str] = "openvino_face"
    Config = FaceConfig
    model_name = "face_detection"
    labels = ("face",)

    def __init__(self, config: FaceConfig) -> None:
        super().__init__(config)
        names = [o.get_any_name() for o in self.compiled.outputs]
        self._order = [names.index("Identity"), names.index("Identity_1")]

    def preprocess(self, crop: np.ndarray) -> tuple[np.ndarray, Any]:
        return face_input(crop)

    def postprocess(
        self, outputs: list[np.ndarray], context: Any, width: int, height: int
    ) -> RawDetections:
        regressors, logits = (outputs[i] for i in self._order)
        boxes, scores = decode(regressors, logits, self.config.score_threshold)
        boxes = context.to_original(boxes, width, height)
        return RawDetections(boxes, scores.astype(np.float32), np.zeros(len(scores), int))
