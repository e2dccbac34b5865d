"""Detector accuracy on photos with boxes: AP@0.5 and precision/recall by person height.

Ground truth follows ``pedestrians/annotations.json`` in the footage folder: 1-based inclusive
``[x1, y1, x2, y2]`` per image, converted here to 0-based ``[x1-1, y1-1, x2, y2]``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from workers.detectors.base import Detection
from workers.detectors.geometry import iou_matrix

# Person height buckets in pixels (of the frame the detector sees).
SIZE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("<60px", 0, 60),
    ("60-120px", 60, 120),
    ("120-240px", 120, 240),
    (">=240px", 240, float("inf")),
)


@dataclass
class Sample:
    """One image with its ground-truth person boxes (0-based pixels)."""

    name: str
    image: np.ndarray
    boxes: np.ndarray  # (N, 4)


def load_pedestrians(root: Path) -> list[Sample]:
    """The Penn-Fudan photos and boxes under ``root`` (``footage/pedestrians``)."""
    annotations = json.loads((root / "annotations.json").read_text())
    samples = []
    for name, boxes in sorted(annotations.items()):
        image = cv2.imread(str(root / name))
        if image is None:
            raise ValueError(f"{root / name}: unreadable image")
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        b[:, :2] -= 1.0
        samples.append(Sample(name, image, b))
    return samples


def mosaic(
    samples: Sequence[Sample], grid: int, size: tuple[int, int] = (1920, 1080)
) -> list[Sample]:
    """Wide-view frames: ``grid x grid`` photos shrunk into cells of a ``size`` canvas.

    People keep their real pixels but become small, as in a wide CCTV view.
    """
    width, height = size
    cell_w, cell_h = width // grid, height // grid
    out: list[Sample] = []
    per_canvas = grid * grid
    for start in range(0, len(samples), per_canvas):
        canvas = np.full((height, width, 3), 114, dtype=np.uint8)
        boxes = []
        for k, sample in enumerate(samples[start : start + per_canvas]):
            r, c = divmod(k, grid)
            h, w = sample.image.shape[:2]
            scale = min(cell_w / w, cell_h / h)
            nw, nh = max(1, int(w * scale)), max(1, int(h * scale))
            x0, y0 = c * cell_w + (cell_w - nw) // 2, r * cell_h + (cell_h - nh) // 2
            small = cv2.resize(sample.image, (nw, nh), interpolation=cv2.INTER_AREA)
            canvas[y0 : y0 + nh, x0 : x0 + nw] = small
            b = sample.boxes * scale + [x0, y0, x0, y0]
            boxes.append(b)
        out.append(Sample(f"mosaic{grid}x{grid}#{start // per_canvas}", canvas, np.vstack(boxes)))
    return out


@dataclass
class Matches:
    """Scored detections marked true/false positive, and the ground-truth heights."""

    scores: list[float] = field(default_factory=list)
    true_positive: list[bool] = field(default_factory=list)
    det_heights: list[float] = field(default_factory=list)
    gt_heights: list[float] = field(default_factory=list)
    gt_best_score: list[float] = field(default_factory=list)  # score that found it; 0 if missed

    def add(self, detections: Sequence[Detection], gt: np.ndarray, iou: float = 0.5) -> None:
        dets = sorted(detections, key=lambda d: -d.score)
        boxes = np.array([d.box for d in dets], dtype=np.float64).reshape(-1, 4)
        overlaps = iou_matrix(boxes, gt) if len(gt) else np.zeros((len(dets), 0))
        taken = np.zeros(len(gt), dtype=bool)
        found_score = np.zeros(len(gt))
        for i, det in enumerate(dets):
            j = int(np.argmax(overlaps[i])) if len(gt) else -1
            hit = j >= 0 and overlaps[i, j] >= iou and not taken[j]
            if hit:
                taken[j] = True
                found_score[j] = det.score
            self.scores.append(det.score)
            self.true_positive.append(bool(hit))
            self.det_heights.append(det.height)
        self.gt_heights.extend((gt[:, 3] - gt[:, 1]).tolist())
        self.gt_best_score.extend(found_score.tolist())


def average_precision(scores: Sequence[float], tp: Sequence[bool], n_gt: int) -> float:
    """VOC-style AP: area under the monotone precision envelope of the PR curve."""
    if n_gt == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    hits = np.asarray(tp, dtype=np.float64)[order]
    tp_cum, fp_cum = np.cumsum(hits), np.cumsum(1 - hits)
    recall = tp_cum / n_gt
    precision = tp_cum / np.maximum(tp_cum + fp_cum, 1e-9)
    r = np.concatenate([[0.0], recall, [recall[-1] if len(recall) else 0.0]])
    p = np.concatenate([[1.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    return float(np.sum((r[1:] - r[:-1]) * p[1:]))


@dataclass(frozen=True)
class SizeRow:
    bucket: str
    gt: int
    recall: float
    detections: int
    precision: float


@dataclass(frozen=True)
class Report:
    ap50: float
    threshold: float
    precision: float
    recall: float
    gt: int
    by_size: tuple[SizeRow, ...]


def report(m: Matches, threshold: float) -> Report:
    """AP over all scores; precision/recall (overall and by height) at ``threshold``."""
    scores = np.asarray(m.scores)
    tp = np.asarray(m.true_positive, dtype=bool)
    kept = scores >= threshold
    gt_h, found = np.asarray(m.gt_heights), np.asarray(m.gt_best_score) >= threshold
    gt_found = found & (np.asarray(m.gt_best_score) > 0)
    det_h = np.asarray(m.det_heights)
    rows = []
    for name, lo, hi in SIZE_BUCKETS:
        g = (gt_h >= lo) & (gt_h < hi)
        d = kept & (det_h >= lo) & (det_h < hi)
        rows.append(
            SizeRow(
                name,
                int(g.sum()),
                float(gt_found[g].mean()) if g.any() else float("nan"),
                int(d.sum()),
                float(tp[d].mean()) if d.any() else float("nan"),
            )
        )
    return Report(
        ap50=average_precision(m.scores, m.true_positive, len(m.gt_heights)),
        threshold=threshold,
        precision=float(tp[kept].mean()) if kept.any() else float("nan"),
        recall=float(gt_found.mean()) if len(gt_h) else float("nan"),
        gt=len(gt_h),
        by_size=tuple(rows),
    )


def format_report(title: str, r: Report) -> str:
    lines = [
        f"{title}: AP@0.5={r.ap50:.3f}  at score>={r.threshold:.2f}: "
        f"precision={r.precision:.3f} recall={r.recall:.3f} ({r.gt} people)",
        f"  {'height':10} {'people':>6} {'recall':>7} {'dets':>5} {'precision':>9}",
    ]
    for row in r.by_size:
        lines.append(
            f"  {row.bucket:10} {row.gt:6d} {row.recall:7.3f} {row.detections:5d} {row.precision:9.3f}"
        )
    return "\n".join(lines)
