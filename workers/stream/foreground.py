"""Moving-blob "detector" from background subtraction (MOG2), for fixed cameras.

Where the person detector loses people (lying, seen from above, blurred), a fixed camera still
sees them as foreground. Blobs come out labelled "motion" so rules opt in explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import BaseModel, Field

from workers.stream.sampling import downscale


class ForegroundConfig(BaseModel):
    """Background subtraction and blob filtering."""

    width: int = Field(default=320, ge=64, le=1280, description="analysis width in pixels")
    history: int = Field(default=500, ge=10, le=10_000, description="MOG2 history in frames")
    var_threshold: float = Field(default=25.0, gt=0, le=500, description="MOG2 variance test")
    min_area_fraction: float = Field(default=0.004, ge=0, le=1, description="smallest blob")
    close_px: int = Field(default=9, ge=1, le=51, description="closing kernel (merges parts)")
    warmup_frames: int = Field(default=3, ge=0, le=1000, description="frames before output")


@dataclass(frozen=True)
class Blob:
    """A foreground region; score is its fill ratio (foreground share of the box)."""

    label: str
    score: float
    box: tuple[float, float, float, float]


class ForegroundBlobs:
    """Feed frames in order; `detect` returns the moving blobs of each frame."""

    label = "motion"

    def __init__(self, config: ForegroundConfig | None = None) -> None:
        self.config = config or ForegroundConfig()
        self._mog = cv2.createBackgroundSubtractorMOG2(
            history=self.config.history, varThreshold=self.config.var_threshold, detectShadows=True
        )
        self._frames = 0
        self.last_mask: np.ndarray | None = None

    def detect(self, frame: np.ndarray) -> list[Blob]:
        """Blobs in original pixels, largest first."""
        cfg = self.config
        w = frame.shape[1]
        scale = cfg.width / w
        small = downscale(frame, cfg.width)
        fg = self._mog.apply(small)
        self._frames += 1
        mask = (fg == 255).astype(np.uint8)  # 127 = shadow
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (cfg.close_px, cfg.close_px))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        self.last_mask = mask
        if self._frames <= cfg.warmup_frames:
            return []
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        min_area = cfg.min_area_fraction * mask.size
        blobs = []
        for i in range(1, n):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if area < min_area:
                continue
            box = (x / scale, y / scale, (x + bw) / scale, (y + bh) / scale)
            blobs.append(Blob(self.label, min(1.0, area / max(bw * bh, 1)), box))
        return sorted(blobs, key=lambda b: -(b.box[2] - b.box[0]) * (b.box[3] - b.box[1]))
