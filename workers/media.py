"""Event media: snapshot JPEG with boxes drawn, pre/post-event MP4 from a ring buffer,
heads blurred by default (privacy).

No face detector ships with the pinned OpenCV wheel, so privacy blurring covers the head region
of every person box (the top `head_fraction` of the box, its central part) — it does not depend
on seeing a frontal face, which CCTV rarely does.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, Field

from workers.stream.sampling import downscale

log = logging.getLogger(__name__)
Box = Sequence[float]


class MediaConfig(BaseModel):
    """What is stored per event."""

    blur_heads: bool = True
    head_fraction: float = Field(default=0.22, gt=0, le=1, description="top share of a person box")
    blur_kernel: int = Field(default=31, ge=3, le=199, description="Gaussian kernel, odd")
    snapshot_width: int = Field(default=960, ge=64, le=4096, description="JPEG width at most")
    jpeg_quality: int = Field(default=85, ge=10, le=100)
    pre_s: float = Field(default=5.0, ge=0, le=120, description="clip seconds before the event")
    post_s: float = Field(default=5.0, ge=0, le=120, description="clip seconds after the event")
    clip_width: int = Field(default=640, ge=64, le=1920, description="clip frame width")


def blur_heads(image: np.ndarray, person_boxes: Iterable[Box], config: MediaConfig) -> np.ndarray:
    """Copy of `image` with the head region of each person box blurred."""
    out = image.copy()
    h, w = out.shape[:2]
    k = config.blur_kernel | 1
    for x1, y1, x2, y2 in person_boxes:
        bw, bh = x2 - x1, y2 - y1
        hx1, hx2 = int(max(0, x1 + 0.15 * bw)), int(min(w, x2 - 0.15 * bw))
        hy1, hy2 = int(max(0, y1)), int(min(h, y1 + config.head_fraction * bh))
        if hx2 - hx1 >= 2 and hy2 - hy1 >= 2:
            out[hy1:hy2, hx1:hx2] = cv2.GaussianBlur(out[hy1:hy2, hx1:hx2], (k, k), 0)
    return out


def draw_boxes(image: np.ndarray, boxes: Iterable[tuple[Box, str]]) -> np.ndarray:
    """Copy of `image` with labelled boxes."""
    out = image.copy()
    for box, label in boxes:
        x1, y1, x2, y2 = (round(v) for v in box)
        cv2.rectangle(out, (x1, y1), (x2, y2), (0, 0, 255), 2)
        if label:
            cv2.putText(
                out, label, (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1
            )
    return out


def snapshot_jpeg(
    image: np.ndarray,
    *,
    event_box: Box | None,
    label: str,
    person_boxes: Sequence[Box] = (),
    config: MediaConfig | None = None,
) -> bytes:
    """JPEG bytes: heads blurred, event box drawn, scaled to `snapshot_width` at most."""
    config = config or MediaConfig()
    img = blur_heads(image, person_boxes, config) if config.blur_heads else image
    img = draw_boxes(img, [(event_box, label)] if event_box is not None else [])
    if img.shape[1] > config.snapshot_width:
        scale = config.snapshot_width / img.shape[1]
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(data)


@dataclass(frozen=True)
class BufferedFrame:
    """A downscaled, already privacy-blurred frame kept for clips."""

    t_s: float
    image: np.ndarray


class FrameRing:
    """The last `pre_s + post_s + margin` seconds of analysed frames, downscaled and blurred."""

    def __init__(self, config: MediaConfig | None = None, margin_s: float = 30.0) -> None:
        self.config = config or MediaConfig()
        self.keep_s = self.config.pre_s + self.config.post_s + margin_s
        self._frames: deque[BufferedFrame] = deque()

    def add(self, t_s: float, image: np.ndarray, person_boxes: Sequence[Box] = ()) -> None:
        """Store one frame (blurred now, so unblurred pixels never reach disk)."""
        cfg = self.config
        img = image
        if img.shape[1] > cfg.clip_width:
            scale = cfg.clip_width / img.shape[1]
            img = downscale(img, cfg.clip_width)
            person_boxes = [tuple(v * scale for v in b) for b in person_boxes]
        img = blur_heads(img, person_boxes, cfg) if cfg.blur_heads else img.copy()
        self._frames.append(BufferedFrame(t_s, img))
        while self._frames and t_s - self._frames[0].t_s > self.keep_s:
            self._frames.popleft()

    def between(self, start_s: float, end_s: float) -> list[BufferedFrame]:
        """Frames with start_s <= t <= end_s."""
        return [f for f in self._frames if start_s <= f.t_s <= end_s]

    def write_clip(self, path: Path, start_s: float, end_s: float) -> int:
        """MP4 of [start - pre_s, end + post_s] at the buffer's frame rate; frames written."""
        frames = self.between(start_s - self.config.pre_s, end_s + self.config.post_s)
        if len(frames) < 2:
            return 0
        fps = max(1.0, (len(frames) - 1) / max(frames[-1].t_s - frames[0].t_s, 1e-3))
        h, w = frames[0].image.shape[:2]
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
        if not writer.isOpened():
            log.warning("cannot write clip %s", path)
            return 0
        written = 0
        for f in frames:
            if f.image.shape[:2] == (h, w):
                writer.write(f.image)
                written += 1
        writer.release()
        return written
