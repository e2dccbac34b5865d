"""Fire / arson: flame-coloured pixels that flicker, persisting over a window.

Flame colour (RGB rule in the style of Chen et al.: R above a level, R ≥ G > B, saturation that
falls as R rises) alone fires on orange vests, neon and lamps; flames also flicker: the colour
mask keeps changing shape from frame to frame while its region stays put. A frame counts as
"fire-like" when the flame area is large enough, the mask churns (XOR over union with the
previous frame, counted only around the anchored flame core) — a lamp, a mat or a vest standing
still does not, nor static orange posts plus a red shirt moving elsewhere —, the grey change inside the
flame region is much larger than elsewhere (not a whole-scene change or camera motion), and the
flame has a core that stays put over the window (a walking orange vest has none), and
optionally part of it is near white-hot (`min_hot_share`; flames are light sources, skin and
paint are not). The event needs
fire-like frames in `min_window_share` of the last `window_s`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Literal

import cv2
import numpy as np
from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.registry import register

MIN_PIXELS = 3  # fewer flame pixels than this are noise


class FireConfig(RuleConfig):
    """Colour, flicker and anchoring thresholds (work at `width` px)."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "critical"
    width: int = Field(default=160, ge=64, le=640, description="analysis width in pixels")
    red_min: int = Field(default=200, ge=0, le=255, description="flame red level")
    saturation_min: int = Field(default=60, ge=0, le=255, description="HSV saturation")
    hue_max: int = Field(default=35, ge=0, le=90, description="HSV hue (OpenCV 0..180) at most")
    min_area_fraction: float = Field(default=0.001, ge=0, le=1, description="flame pixel share")
    min_churn: float = Field(default=0.3, ge=0, le=1, description="mask change, lower = static")
    core_margin_px: int = Field(
        default=2,
        ge=0,
        le=16,
        description="churn is measured only within this many pixels of the flame core (where "
        "the colour is anchored): flicker must happen where the flame stays, so static orange "
        "posts plus a red shirt moving elsewhere do not add up to a fire",
    )
    max_churn: float = Field(default=0.95, ge=0, le=1, description="mask change, higher = noise")
    min_change_ratio: float = Field(
        default=3.0, ge=0, le=100, description="grey change inside the flame vs. elsewhere"
    )
    min_core: float = Field(
        default=0.6, ge=0, le=2, description="pixels flame-coloured in half the window / area"
    )
    min_hot_share: float = Field(
        default=0.0, ge=0, le=1, description="share of flame pixels that are near white-hot"
    )
    hot_red: int = Field(default=245, ge=0, le=255, description="red level of a hot pixel")
    hot_green: int = Field(default=170, ge=0, le=255, description="green level of a hot pixel")
    window_s: float = Field(default=2.0, gt=0, le=120, description="evidence window")
    min_window_share: float = Field(default=0.5, ge=0, le=1, description="fire-like frame share")
    min_duration_s: float = Field(default=2.0, ge=0, le=600)
    merge_gap_s: float = Field(default=20.0, ge=0, le=3600)


@dataclass(frozen=True)
class FireFrame:
    """Flame measurements of one frame."""

    area: float
    churn: float
    change_ratio: float
    core: float
    box: tuple[float, float, float, float] | None
    hot: float = 0.0

    def fire_like(self, cfg: FireConfig) -> bool:
        """All cues agree: enough flame colour that flickers in place."""
        return (
            self.area >= cfg.min_area_fraction
            and cfg.min_churn <= self.churn <= cfg.max_churn
            and self.change_ratio >= cfg.min_change_ratio
            and self.core >= cfg.min_core
            and self.hot >= cfg.min_hot_share
        )


class FireFeatures:
    """Per-frame flame area, mask churn, localised change and anchoring (core)."""

    def __init__(self, config: FireConfig) -> None:
        self.config = config
        self._masks: deque[tuple[float, np.ndarray]] = deque()
        self._prev_grey: np.ndarray | None = None

    def mask(self, small: np.ndarray) -> np.ndarray:
        """Flame-coloured pixels of a small BGR frame."""
        cfg = self.config
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        b, g, r = (small[..., i].astype(np.int16) for i in range(3))
        return (
            (r >= cfg.red_min)
            & (r >= g)
            & (g > b)
            & (hsv[..., 1] >= cfg.saturation_min)
            & (hsv[..., 0] <= cfg.hue_max)
        )

    def update(self, image: np.ndarray, t_s: float, full_width: int | None = None) -> FireFrame:
        """Measure one BGR frame (possibly downscaled; `full_width` = original width)."""
        cfg = self.config
        h, w = image.shape[:2]
        small = image
        if w != cfg.width:
            size = (cfg.width, max(8, round(cfg.width * h / w)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        w = full_width or w
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        mask = self.mask(small)
        prev = self._masks[-1][1] if self._masks else None
        prev_grey, self._prev_grey = self._prev_grey, grey
        self._masks.append((t_s, mask))
        while self._masks and t_s - self._masks[0][0] > cfg.window_s:
            self._masks.popleft()
        area = float(mask.mean())
        hot = 0.0
        if mask.any():
            red, green = small[..., 2], small[..., 1]
            hot_px = mask & (red >= cfg.hot_red) & (green >= cfg.hot_green)
            hot = float(hot_px.sum() / mask.sum())
        churn = ratio = core = 0.0
        if prev is not None and prev.shape == mask.shape and prev_grey is not None:
            stack = np.stack([m for _, m in self._masks if m.shape == mask.shape])
            anchored = stack.mean(axis=0) >= 0.5
            mean_area = float(stack.sum(axis=(1, 2)).mean())
            if mean_area >= MIN_PIXELS:
                core = float(anchored.sum()) / mean_area
            union = np.logical_or(prev, mask)
            if union.sum() >= MIN_PIXELS:
                change = np.abs(grey - prev_grey)
                outside = float(change[~union].mean()) if (~union).any() else 0.0
                ratio = float(change[union].mean()) / (outside + 1.0)
                churn = self._core_churn(prev, mask, anchored)
        box = None
        if mask.any():
            ys, xs = np.nonzero(mask)
            s = w / cfg.width
            box = (xs.min() * s, ys.min() * s, (xs.max() + 1) * s, (ys.max() + 1) * s)
        return FireFrame(area, churn, ratio, core, box, hot)

    def _core_churn(self, prev: np.ndarray, mask: np.ndarray, anchored: np.ndarray) -> float:
        """XOR over union of two masks, counted only near the anchored flame core."""
        margin = self.config.core_margin_px
        if margin:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
            anchored = cv2.dilate(anchored.astype(np.uint8), kernel).astype(bool)
        prev, mask = prev & anchored, mask & anchored
        union = int(np.logical_or(prev, mask).sum())
        if union < MIN_PIXELS:
            return 0.0
        return float(np.logical_xor(prev, mask).sum() / union)


@register
class FireRule(Rule):
    """Hits while most recent frames are fire-like."""

    key: ClassVar[str] = "fire"
    event_type: ClassVar[str] = "fire"
    config_model = FireConfig
    config: FireConfig

    def __init__(self, config: RuleConfig) -> None:
        super().__init__(config)
        self.features = FireFeatures(self.config)
        self._recent: deque[tuple[float, bool]] = deque()

    def process(self, ctx: FrameContext) -> list[Hit]:
        if not ctx.detected:  # nothing moves: flames flicker, so this frame is not fire-like
            return self.decide(self.config, self._recent, FireFrame(0, 0, 0, 0, None), ctx.t_s)
        frame = self.features.update(ctx.small(self.config.width), ctx.t_s, full_width=ctx.size[0])
        return self.decide(self.config, self._recent, frame, ctx.t_s)

    @staticmethod
    def decide(
        cfg: FireConfig, recent: deque[tuple[float, bool]], frame: FireFrame, t_s: float
    ) -> list[Hit]:
        """Window logic: hit while enough recent frames are fire-like (updates `recent`)."""
        fire_like = frame.fire_like(cfg)
        recent.append((t_s, fire_like))
        while recent and t_s - recent[0][0] > cfg.window_s:
            recent.popleft()
        share = sum(f for _, f in recent) / len(recent)
        enough_history = t_s - recent[0][0] >= cfg.window_s * 0.5
        if fire_like and enough_history and share >= cfg.min_window_share:
            score = min(1.0, 0.5 + 0.5 * share)
            return [Hit("fire", t_s, score, box=frame.box, key="fire", detail=f"{frame.area:.3f}")]
        return []
