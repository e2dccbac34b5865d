"""Turn a BGR frame into each model's input tensor (shared by plugins and INT8 calibration)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from workers.detectors.geometry import Letterbox, letterbox

SSD_SIZE = 300
YOLO_SIZE = 640
POSE_SIZE = 256


def ssd_input(frame_bgr: np.ndarray) -> np.ndarray:
    """uint8 (1, 300, 300, 3) RGB, stretched like the TF OD API's fixed-shape resizer.

    Large frames are first resized bilinearly to twice the input size and then area-averaged:
    within ~0.5 grey levels of INTER_AREA on the full frame, but ~1 ms instead of ~6 ms at 1080p.
    """
    h, w = frame_bgr.shape[:2]
    if h > 2 * SSD_SIZE and w > 2 * SSD_SIZE:
        frame_bgr = cv2.resize(
            frame_bgr, (2 * SSD_SIZE, 2 * SSD_SIZE), interpolation=cv2.INTER_LINEAR
        )
    interp = cv2.INTER_AREA if frame_bgr.shape[0] > SSD_SIZE else cv2.INTER_LINEAR
    resized = cv2.resize(frame_bgr, (SSD_SIZE, SSD_SIZE), interpolation=interp)
    return np.ascontiguousarray(resized[None, :, :, ::-1])


def yolo_input(frame_bgr: np.ndarray) -> tuple[np.ndarray, Letterbox]:
    """float32 (1, 3, 640, 640) RGB in 0..1, letterboxed with grey 114 padding."""
    boxed, info = letterbox(frame_bgr, YOLO_SIZE)
    tensor = boxed[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    return np.ascontiguousarray(tensor), info


def pose_input_from_crop(crop_bgr: np.ndarray) -> np.ndarray:
    """float32 (1, 256, 256, 3) RGB in 0..1 from a 256x256 BGR crop."""
    return np.ascontiguousarray(crop_bgr[None, :, :, ::-1].astype(np.float32) / 255.0)


def _pose_calibration(frame_bgr: np.ndarray) -> np.ndarray:
    return pose_input_from_crop(cv2.resize(frame_bgr, (POSE_SIZE, POSE_SIZE)))


CALIBRATION_INPUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "ssdlite": ssd_input,
    "yolo_fall": lambda frame: yolo_input(frame)[0],
    "pose_landmark": _pose_calibration,
}
