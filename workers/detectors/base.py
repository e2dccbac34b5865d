"""Detector and pose-estimator interfaces shared by every plugin and by workers.pipeline.

Boxes are ``(x1, y1, x2, y2)`` floats in original-frame pixels (0-based, x2/y2 exclusive).
Frames are ``numpy.ndarray`` images in OpenCV's BGR order, ``uint8``, shape ``(H, W, 3)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Box = tuple[float, float, float, float]
Precision = Literal["FP32", "BF16", "INT8"]
PerformanceHint = Literal["LATENCY", "THROUGHPUT"]


class BadFrameError(ValueError):
    """The frame cannot be analysed (empty, wrong dtype or channel count, absurd size)."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One detected object: class label, confidence in [0, 1], box in original pixels."""

    label: str
    score: float
    box: Box

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def to_dict(self) -> dict[str, Any]:
        """JSON shape used by `python -m workers detect`."""
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "box": [round(v, 1) for v in self.box],
        }


class TilingConfig(BaseModel):
    """Tiled inference for wide views: overlapping tiles plus the full frame, merged by NMS."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    tile_size: int = Field(
        default=256, ge=64, le=4096, description="square tile side in frame pixels"
    )
    overlap: float = Field(
        default=0.25, ge=0.0, le=0.5, description="overlap as a fraction of a tile"
    )
    include_full_frame: bool = Field(
        default=True, description="also run the whole frame (large people)"
    )
    min_frame_height: int = Field(
        default=0, ge=0, description="tile only frames at least this tall (0: always when enabled)"
    )
    levels: int = Field(
        default=1, ge=1, le=4, description="tile sizes tile_size x 1, 2, 4, ... (a tile pyramid)"
    )


class DetectorConfig(BaseModel):
    """Settings common to every detector plugin (each plugin may extend it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str = Field(default="CPU", description="OpenVINO device name")
    precision: Precision = Field(default="INT8", description="FP32, BF16 or INT8 (quantized IR)")
    performance_hint: PerformanceHint = "LATENCY"
    num_requests: int = Field(
        default=0, ge=0, le=32, description="infer requests for detect_many; 0=auto"
    )
    num_threads: int = Field(default=0, ge=0, le=64, description="CPU threads; 0=default")
    score_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    nms_iou: float = Field(default=0.5, gt=0.0, le=1.0)
    max_detections: int = Field(default=100, ge=1, le=1000)
    max_pixels: int = Field(default=50_000_000, ge=1, description="refuse frames larger than this")
    tiling: TilingConfig = TilingConfig()


class Detector(ABC):
    """A compiled model that finds objects in BGR frames. Create once per process."""

    key: ClassVar[str]
    labels: tuple[str, ...] = ()
    config: DetectorConfig

    @abstractmethod
    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Detections in one frame, best first."""

    def detect_many(self, frames: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Detections for several frames (e.g. one per camera), in input order.

        Plugins override this with asynchronous inference; the default runs them in turn.
        """
        return [self.detect(frame) for frame in frames]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release compiled models and infer requests."""


# BlazePose's 33 body landmarks, in model output order.
POSE_LANDMARKS: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Keypoints:
    """Body landmarks of one person in original pixels.

    ``xy``: float32 (33, 2); ``visibility``: float32 (33,) in [0, 1]; ``presence``: the model's
    confidence that a person is in the crop at all; ``box``: the person box it was run on.
    """

    xy: np.ndarray
    visibility: np.ndarray
    presence: float
    box: Box

    def point(self, name: str) -> tuple[float, float, float]:
        """(x, y, visibility) of a landmark by name, e.g. ``"left_hip"``."""
        i = POSE_LANDMARKS.index(name)
        return float(self.xy[i, 0]), float(self.xy[i, 1]), float(self.visibility[i])

    def to_dict(self) -> dict[str, Any]:
        return {
            "presence": round(self.presence, 4),
            "keypoints": [
                [round(float(x), 1), round(float(y), 1), round(float(v), 3)]
                for (x, y), v in zip(self.xy, self.visibility, strict=True)
            ],
        }


class PoseConfig(BaseModel):
    """Settings of a pose estimator plugin."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str = "CPU"
    precision: Literal["FP32", "BF16"] = "FP32"
    performance_hint: PerformanceHint = "LATENCY"
    num_threads: int = Field(default=0, ge=0, le=64)
    box_scale: float = Field(
        default=1.25, ge=1.0, le=2.0, description="crop = longer box side x this"
    )


class PoseEstimator(ABC):
    """Finds body landmarks of one person given the frame and that person's box."""

    key: ClassVar[str]
    config: PoseConfig

    @abstractmethod
    def estimate(self, frame: np.ndarray, box: Box) -> Keypoints:
        """Landmarks of the person in ``box`` (check ``presence`` before trusting them)."""

    def estimate_many(self, frame: np.ndarray, boxes: Sequence[Box]) -> list[Keypoints]:
        return [self.estimate(frame, box) for box in boxes]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release compiled models."""


def check_frame(frame: object, *, max_pixels: int = 50_000_000) -> np.ndarray:
    """Return ``frame`` as a contiguous BGR uint8 image or raise `BadFrameError`.

    Grayscale and BGRA frames are converted; 16-bit frames are scaled to 8 bits.
    """
    if not isinstance(frame, np.ndarray):
        raise BadFrameError(f"frame is {type(frame).__name__}, not a numpy array")
    if frame.ndim == 2:
        frame = frame[:, :, None]
    if frame.ndim != 3 or frame.shape[2] not in (1, 3, 4):
        raise BadFrameError(f"frame shape {frame.shape} is not (H, W, 1|3|4)")
    h, w = frame.shape[:2]
    if h < 2 or w < 2:
        raise BadFrameError(f"frame is too small: {w}x{h}")
    if h * w > max_pixels:
        raise BadFrameError(f"frame {w}x{h} exceeds {max_pixels} pixels")
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype != np.uint8:
        if not np.issubdtype(frame.dtype, np.floating):
            raise BadFrameError(f"frame dtype {frame.dtype} is not supported")
        frame = np.clip(frame * (255.0 if float(np.nanmax(frame)) <= 1.0 else 1.0), 0, 255)
        frame = np.nan_to_num(frame).astype(np.uint8)
    if frame.shape[2] == 1:
        frame = np.repeat(frame, 3, axis=2)
    elif frame.shape[2] == 4:
        frame = frame[:, :, :3]
    return np.ascontiguousarray(frame)
