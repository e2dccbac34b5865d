"""Synthetic frames, videos and tracks for worker tests (no shared data needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from workers.tracking.base import Track

SIZE = (320, 240)


def textured_background(seed: int = 0, size: tuple[int, int] = SIZE) -> np.ndarray:
    """A static, sharp, non-uniform scene (edges everywhere, like a real street)."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = np.full((h, w, 3), 90, np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        colour = tuple(int(c) for c in rng.integers(30, 220, 3))
        cv2.rectangle(
            img, (x, y), (x + int(rng.integers(8, 60)), y + int(rng.integers(8, 60))), colour, -1
        )
    return img


def write_video(
    path: Path,
    frames: int,
    fps: float = 25.0,
    draw: Callable[[int, np.ndarray], None] | None = None,
    background: np.ndarray | None = None,
) -> Path:
    """Write an MP4 (mp4v) where `draw(i, image)` paints frame i on the background."""
    base = textured_background() if background is None else background
    h, w = base.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for i in range(frames):
        img = base.copy()
        if draw is not None:
            draw(i, img)
        writer.write(img)
    writer.release()
    return path


def track(
    track_id: int,
    boxes: list[tuple[float, tuple[float, float, float, float]]],
    label: str = "person",
) -> Track:
    """A confirmed track whose history is `boxes` [(t, box), ...]; the last one is current."""
    t_last, box_last = boxes[-1]
    tr = Track(track_id, label, box_last, 0.9, boxes[0][0], t_last, hits=len(boxes), confirmed=True)
    for t, b in boxes:
        tr.history.append((t, b))
    if len(boxes) >= 2:
        (t0, b0), (t1, b1) = boxes[-2], boxes[-1]
        dt = max(t1 - t0, 1e-6)
        tr.velocity = (
            ((b1[0] + b1[2]) - (b0[0] + b0[2])) / 2 / dt,
            ((b1[1] + b1[3]) - (b0[1] + b0[3])) / 2 / dt,
        )
    return tr
