"""OpenVINO plumbing shared by the plugins: one Core per process, compile with typed settings,
and a base class that runs crops (whole frames or tiles) through an AsyncInferQueue.
"""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov

from workers.detectors.base import Detection, Detector, DetectorConfig, check_frame
from workers.detectors.geometry import nms, tile_grid

log = logging.getLogger(__name__)

# Precision name -> (IR variant, OpenVINO inference precision for ops left in floating point).
PRECISIONS: dict[str, tuple[str, str]] = {
    "FP32": ("fp32", "f32"),
    "BF16": ("fp32", "bf16"),
    "INT8": ("int8", "f32"),
}


@cache
def core() -> ov.Core:
    return ov.Core()


def compile_model(
    xml: Path | ov.Model,
    *,
    device: str,
    inference_precision: str,
    performance_hint: str,
    num_threads: int = 0,
    num_requests: int = 0,
) -> ov.CompiledModel:
    """Compile an IR (or an already reshaped model) with explicit precision and hint (never the
    device's silent default)."""
    props: dict[str, Any] = {"PERFORMANCE_HINT": performance_hint}
    if device.upper().startswith("CPU"):
        props["INFERENCE_PRECISION_HINT"] = inference_precision
        if num_threads:
            props["INFERENCE_NUM_THREADS"] = num_threads
    if num_requests and performance_hint == "THROUGHPUT":
        props["PERFORMANCE_HINT_NUM_REQUESTS"] = num_requests
    return core().compile_model(xml if isinstance(xml, ov.Model) else str(xml), device, props)


@dataclass(frozen=True)
class Crop:
    """A region of a frame fed to the model; ``interior`` marks edges shared with other tiles."""

    frame_index: int
    x1: int
    y1: int
    x2: int
    y2: int
    interior: tuple[bool, bool, bool, bool] = (False, False, False, False)


@dataclass
class RawDetections:
    """Model output for one crop, boxes in crop pixels."""

    boxes: np.ndarray  # (N, 4) float
    scores: np.ndarray  # (N,)
    classes: np.ndarray  # (N,) int index into labels


class OpenVinoDetector(Detector):
    """Runs ``preprocess`` → model → ``postprocess`` per crop; tiling and batching live here."""

    model_name: str  # key in workers.models.manifest.MODELS
    edge_margin_px = 2.0  # a tile box this close to an interior tile edge is cut off: drop it
    tile_ios = 0.85  # drop a box that lies this much inside a better one (tile duplicates)

    def __init__(self, config: DetectorConfig) -> None:
        from workers.models import ensure_model

        self.config = config
        variant, inference_precision = PRECISIONS[config.precision]
        built = ensure_model(self.model_name, "int8" if variant == "int8" else "fp32")
        self.model_file = built.xml
        self.compiled = compile_model(
            built.xml,
            device=config.device,
            inference_precision=inference_precision,
            performance_hint=config.performance_hint,
            num_threads=config.num_threads,
            num_requests=config.num_requests,
        )
        self._request = self.compiled.create_infer_request()
        jobs = config.num_requests or self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
        self._queue = ov.AsyncInferQueue(self.compiled, max(1, int(jobs)))
        self._lock = threading.Lock()

    # -- per-model hooks -------------------------------------------------------------------
    @abstractmethod
    def preprocess(self, crop: np.ndarray) -> tuple[np.ndarray, Any]:
        """Input tensor for a BGR crop and whatever postprocess needs to map boxes back."""

    @abstractmethod
    def postprocess(
        self, outputs: list[np.ndarray], context: Any, width: int, height: int
    ) -> RawDetections:
        """Boxes (crop pixels), scores and class indices above ``score_threshold``."""

    # -- public API ------------------------------------------------------------------------
    def detect(self, frame: np.ndarray) -> list[Detection]:
        return self.detect_many([frame])[0]

    def detect_many(self, frames: Sequence[np.ndarray]) -> list[list[Detection]]:
        checked = [check_frame(f, max_pixels=self.config.max_pixels) for f in frames]
        crops = [c for i, f in enumerate(checked) for c in self.crops_for(i, f)]
        raws = self._infer(checked, crops)
        return [
            self._merge([(c, r) for c, r in zip(crops, raws, strict=True) if c.frame_index == i])
            for i in range(len(checked))
        ]

    def crops_for(self, index: int, frame: np.ndarray) -> list[Crop]:
        """Whole frame, or tiles (plus the whole frame) when tiling applies to this frame; with
        `levels` > 1 each further level's tiles are twice the previous side (until one covers
        the frame)."""
        h, w = frame.shape[:2]
        tiling = self.config.tiling
        if not tiling.enabled or h < tiling.min_frame_height:
            return [Crop(index, 0, 0, w, h)]
        crops = [Crop(index, 0, 0, w, h)] if tiling.include_full_frame else []
        for level in range(tiling.levels):
            side = tiling.tile_size * 2**level
            if level and side >= max(w, h):
                break
            for x1, y1, x2, y2 in tile_grid(w, h, side, tiling.overlap):
                interior = (x1 > 0, y1 > 0, x2 < w, y2 < h)
                crops.append(Crop(index, x1, y1, x2, y2, interior))
        return crops

    def close(self) -> None:
        with self._lock:
            self._queue.wait_all()

    # -- internals -------------------------------------------------------------------------
    def _infer(self, frames: list[np.ndarray], crops: list[Crop]) -> list[RawDetections]:
        results: list[RawDetections | None] = [None] * len(crops)
        prepared = []
        for crop in crops:
            pixels = frames[crop.frame_index][crop.y1 : crop.y2, crop.x1 : crop.x2]
            prepared.append(self.preprocess(pixels))
        with self._lock:
            if len(crops) == 1:
                tensor, context = prepared[0]
                self._request.infer({0: tensor})
                outputs = [self._request.get_tensor(o).data.copy() for o in self.compiled.outputs]
                c = crops[0]
                return [self.postprocess(outputs, context, c.x2 - c.x1, c.y2 - c.y1)]

            def done(request: ov.InferRequest, slot: int) -> None:
                outputs = [request.get_tensor(o).data.copy() for o in self.compiled.outputs]
                c = crops[slot]
                results[slot] = self.postprocess(
                    outputs, prepared[slot][1], c.x2 - c.x1, c.y2 - c.y1
                )

            self._queue.set_callback(done)
            for slot, (tensor, _context) in enumerate(prepared):
                self._queue.start_async({0: tensor}, slot)
            self._queue.wait_all()
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            raise RuntimeError(f"inference produced no result for crops {missing}")
        return [r for r in results if r is not None]

    def _merge(self, parts: list[tuple[Crop, RawDetections]]) -> list[Detection]:
        boxes, scores, classes = [], [], []
        for crop, raw in parts:
            if not len(raw.scores):
                continue
            offset = np.array([crop.x1, crop.y1, crop.x1, crop.y1], dtype=np.float64)
            b = raw.boxes.astype(np.float64) + offset
            keep = np.ones(len(b), dtype=bool)
            m = self.edge_margin_px
            left, top, right, bottom = crop.interior
            if left:
                keep &= b[:, 0] > crop.x1 + m
            if top:
                keep &= b[:, 1] > crop.y1 + m
            if right:
                keep &= b[:, 2] < crop.x2 - m
            if bottom:
                keep &= b[:, 3] < crop.y2 - m
            boxes.append(b[keep])
            scores.append(raw.scores[keep])
            classes.append(raw.classes[keep])
        if not boxes or not sum(len(s) for s in scores):
            return []
        all_boxes, all_scores = np.concatenate(boxes), np.concatenate(scores)
        all_classes = np.concatenate(classes).astype(int)
        tiled = len(parts) > 1
        found: list[Detection] = []
        for cls in np.unique(all_classes):
            idx = np.flatnonzero(all_classes == cls)
            kept = nms(
                all_boxes[idx],
                all_scores[idx],
                self.config.nms_iou,
                ios_threshold=self.tile_ios if tiled else None,
            )
            for k in idx[kept]:
                box = tuple(float(v) for v in all_boxes[k])
                found.append(Detection(self.labels[cls], float(all_scores[k]), box))  # type: ignore[arg-type]
        found.sort(key=lambda d: -d.score)
        return found[: self.config.max_detections]
