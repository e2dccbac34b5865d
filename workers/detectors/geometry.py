"""Pure box geometry: IoU, NMS, letterbox and its inverse, tiles. No model code here.

Boxes are float arrays ``(N, 4)`` of ``x1, y1, x2, y2`` in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over union, shape ``(len(a), len(b))``."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def intersection_over_smaller(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection divided by the smaller box's area (1.0 when one contains the other)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    smaller = np.minimum(area_a[:, None], area_b[None, :])
    return np.where(smaller > 0, inter / np.where(smaller > 0, smaller, 1), 0.0)


def nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    *,
    ios_threshold: float | None = None,
    max_keep: int | None = None,
) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best score first.

    A box is dropped when its IoU with a kept box exceeds ``iou_threshold`` or, if given, when
    its intersection over the smaller box exceeds ``ios_threshold`` (a person cut by a tile edge
    lies inside the whole-person box from a neighbouring tile).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        if max_keep is not None and len(keep) >= max_keep:
            break
        rest = order[1:]
        drop = iou_matrix(boxes[i], boxes[rest])[0] > iou_threshold
        if ios_threshold is not None:
            drop |= intersection_over_smaller(boxes[i], boxes[rest])[0] > ios_threshold
        order = rest[~drop]
    return np.asarray(keep, dtype=np.int64)


@dataclass(frozen=True)
class Letterbox:
    """How a frame was scaled and padded into a square model input."""

    scale: float
    pad_x: float
    pad_y: float

    def to_original(self, boxes: np.ndarray, width: int, height: int) -> np.ndarray:
        """Map boxes from model-input pixels back to the original frame, clipped to it."""
        out = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, width)
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, height)
        return out


def letterbox(frame: np.ndarray, size: int, fill: int = 114) -> tuple[np.ndarray, Letterbox]:
    """Resize keeping the aspect ratio and pad (centred) to ``size`` x ``size``."""
    h, w = frame.shape[:2]
    scale = min(size / w, size / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(frame, (nw, nh), interpolation=interp)
    pad_x, pad_y = (size - nw) / 2, (size - nh) / 2
    left, top = int(pad_x), int(pad_y)
    out = np.full((size, size, frame.shape[2]), fill, dtype=frame.dtype)
    out[top : top + nh, left : left + nw] = resized
    return out, Letterbox(scale=scale, pad_x=float(left), pad_y=float(top))


def _starts(length: int, tile: int, overlap: float) -> list[int]:
    if length <= tile:
        return [0]
    count = int(np.ceil((length - tile * overlap) / (tile * (1 - overlap))))
    count = max(2, count)
    step = (length - tile) / (count - 1)
    return [round(i * step) for i in range(count)]


def tile_grid(
    width: int, height: int, tile: int, overlap: float
) -> list[tuple[int, int, int, int]]:
    """Square ``tile`` x ``tile`` windows ``(x1, y1, x2, y2)`` covering the frame.

    Neighbours overlap by at least ``overlap`` of a tile; the grid is spread evenly so the first
    and last windows touch the frame edges. A side shorter than ``tile`` gets one window.
    """
    xs, ys = _starts(width, tile, overlap), _starts(height, tile, overlap)
    return [(x, y, min(width, x + tile), min(height, y + tile)) for y in ys for x in xs]
