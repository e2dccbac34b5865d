"""What is happening in a short clip: Kinetics-400 I3D features (832 numbers per clip).

The network (`workers.models.i3d`) takes ``frames`` RGB images of ``height`` pixels (width keeps
the camera's aspect ratio) scaled to -1..1. The clip's features are the mean of its Mixed_4f
block over time and space: on the fight footage the same logistic head scores 0.84 on them and
0.75 on the last block's features, which are tuned to Kinetics' 400 classes (nested CV, before
the camera-fault negatives were added; with them 0.86). Rules put their own small linear heads
on these features (see the fight rule). The network is compiled for each clip shape (one per
camera aspect ratio); the last `MAX_SHAPES` are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any

import cv2
import numpy as np

from workers.detectors.runtime import PRECISIONS, compile_model, core
from workers.models.i3d import MIXED_4F_FEATURES

__all__ = [
    "FEATURES",
    "MODEL_NAME",
    "OUTPUT",
    "ClipEmbedder",
    "clip_input",
    "clip_picks",
    "rgb_frame",
    "shared_embedder",
]

MODEL_NAME = "i3d_kinetics"
OUTPUT = "mixed_4f"  # the network output used as clip features
FEATURES = MIXED_4F_FEATURES
MAX_ASPECT = 3.0  # wider frames (panoramas) are centre-cropped to this width : height
MAX_SHAPES = 2  # compiled clip shapes kept per process (cameras of other aspect ratios)


def clip_width(width: int, height: int, clip_height: int) -> int:
    """Width of a frame resized to `clip_height` rows, rounded to a multiple of 8."""
    return max(8, round(width * clip_height / height / 8) * 8)


def clip_picks(available: int, length: int) -> np.ndarray:
    """Indices of the `length` evenly spaced frames a clip takes from `available` frames (some
    repeat when there are fewer)."""
    return np.round(np.linspace(0, available - 1, length)).astype(int)


def clip_input(frames_rgb: Sequence[np.ndarray], length: int) -> np.ndarray:
    """float32 ``[1, 3, length, H, W]`` in -1..1 from equally sized RGB uint8 frames.

    Frames are picked at evenly spaced positions; fewer frames than `length` are repeated, as
    for a clip shorter than the model's window.
    """
    if not frames_rgb:
        raise ValueError("a clip needs at least one frame")
    shape = frames_rgb[0].shape
    if any(f.shape != shape for f in frames_rgb):
        raise ValueError("clip frames must all have the same size")
    clip = (
        np.stack([frames_rgb[i] for i in clip_picks(len(frames_rgb), length)]).astype(np.float32)
        / 127.5
        - 1.0
    )
    return np.ascontiguousarray(clip.transpose(3, 0, 1, 2)[None])


def rgb_frame(image_bgr: np.ndarray, clip_height: int) -> np.ndarray:
    """A BGR frame resized for the clip model and turned into RGB.

    Frames wider than `MAX_ASPECT` are centre-cropped (a 2-row strip would otherwise make a clip
    thousands of pixels wide). Frames over 2.5 times the target height are first subsampled by 2
    (nearest), then area-averaged: ~1.4 ms instead of ~3 ms for a 1080p frame.
    """
    h, w = image_bgr.shape[:2]
    if w > MAX_ASPECT * h:
        left = (w - int(MAX_ASPECT * h)) // 2
        image_bgr = image_bgr[:, left : left + int(MAX_ASPECT * h)]
        w = image_bgr.shape[1]
    size = (clip_width(w, h, clip_height), clip_height)
    if h >= 2.5 * clip_height:
        image_bgr = cv2.resize(image_bgr, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)
    small = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)


class ClipEmbedder:
    """Runs the I3D network on clips; thread-safe, one compiled model per clip shape.

    ``precision`` is FP32, BF16 or INT8 (the NNCF-quantized IR, calibrated on footage clips).
    The fight head is trained on features of the precision deployed (`shared_embedder`).
    """

    def __init__(self, *, precision: str = "INT8", device: str = "CPU", num_threads: int = 0):
        from workers.models import ensure_model

        variant, self.precision = PRECISIONS[precision]
        self.xml = ensure_model(MODEL_NAME, "int8" if variant == "int8" else "fp32").xml
        self.device = device
        self.num_threads = num_threads
        self._model = core().read_model(str(self.xml))
        self._compiled: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def _model_for(self, shape: tuple[int, ...]) -> Any:
        """The compiled model for `shape`; the least recently used beyond `MAX_SHAPES` is
        dropped (each costs ~100 MB of buffers; recompiling takes about a second)."""
        if shape in self._compiled:
            self._compiled.move_to_end(shape)
        else:
            while len(self._compiled) >= MAX_SHAPES:
                self._compiled.popitem(last=False)
            model = self._model.clone()
            model.reshape({"video": list(shape)})
            self._compiled[shape] = compile_model(
                model,
                device=self.device,
                inference_precision=self.precision,
                performance_hint="LATENCY",
                num_threads=self.num_threads,
            )
        return self._compiled[shape]

    def features(self, clip: np.ndarray) -> np.ndarray:
        """The `FEATURES` clip features of one `clip_input` tensor."""
        with self._lock:
            compiled = self._model_for(tuple(clip.shape))
            out = compiled({"video": clip})
            return np.asarray(out[OUTPUT][0], dtype=np.float32).copy()


@cache
def shared_embedder() -> ClipEmbedder:
    """One embedder per process (the compiled models are the expensive part)."""
    return ClipEmbedder()
