"""Camera tamper: blacked out, covered, defocused, moved or frozen view.

A reference (sharpness, edge thumbnail) is learned from the first `learn_s` seconds and then
follows the scene slowly while nothing is wrong. Each cause must persist `min_duration_s`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import cv2
import numpy as np
from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.registry import register

THUMB = (32, 18)


class TamperConfig(RuleConfig):
    """Thresholds on a 160-px grey frame."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "high"
    min_duration_s: float = Field(default=3.0, ge=0, le=600)
    merge_gap_s: float = Field(default=10.0, ge=0, le=3600)
    learn_s: float = Field(default=2.0, ge=0, le=600, description="reference learning time")
    reference_rate: float = Field(default=0.02, gt=0, le=1, description="reference update rate")
    dark_level: float = Field(default=18.0, ge=0, le=255, description="mean grey of a black view")
    flat_std: float = Field(default=6.0, ge=0, le=128, description="grey std of a covered view")
    defocus_ratio: float = Field(
        default=0.25, gt=0, le=1, description="sharpness below this share of the reference"
    )
    min_reference_sharpness: float = Field(default=20.0, ge=0, le=1e5)
    moved_correlation: float = Field(
        default=0.3, ge=-1, le=1, description="edge-thumbnail correlation below this = moved"
    )


@register
class TamperRule(Rule):
    """One hit per frame naming the cause; key = cause, so causes are separate events."""

    key: ClassVar[str] = "tamper"
    event_type: ClassVar[str] = "tamper"
    config_model = TamperConfig
    config: TamperConfig

    def __init__(self, config: RuleConfig) -> None:
        super().__init__(config)
        self._start: float | None = None
        self._sharpness: float | None = None
        self._edges: np.ndarray | None = None

    def measure(self, image: np.ndarray) -> tuple[float, float, float, np.ndarray]:
        """(mean, std, sharpness, edge thumbnail) of a frame."""
        h, w = image.shape[:2]
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        grey = cv2.resize(grey, (160, max(8, round(160 * h / w))), interpolation=cv2.INTER_AREA)
        sharp = float(cv2.Laplacian(grey, cv2.CV_32F).var())
        gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1)
        edges = cv2.resize(np.hypot(gx, gy), THUMB, interpolation=cv2.INTER_AREA)
        return float(grey.mean()), float(grey.std()), sharp, edges

    def process(self, ctx: FrameContext) -> list[Hit]:
        cfg = self.config
        mean, std, sharp, edges = self.measure(ctx.small(160))
        dark_or_flat = std < cfg.flat_std * 2 and (mean < cfg.dark_level or std < cfg.flat_std)
        if "frozen" in ctx.stream_flags and not dark_or_flat:  # a black view is also "frozen"
            return [Hit("tamper", ctx.t_s, 0.8, key="frozen", detail="frozen picture")]
        if self._start is None:
            self._start = ctx.t_s
        causes: list[tuple[str, float]] = []
        if mean < cfg.dark_level and std < cfg.flat_std * 2:
            causes.append(("blackout", 0.95))
        elif std < cfg.flat_std:
            causes.append(("covered", 0.9))
        elif (
            self._sharpness is not None
            and self._sharpness >= cfg.min_reference_sharpness
            and sharp < cfg.defocus_ratio * self._sharpness
        ):
            causes.append(("defocus", min(1.0, 0.6 + 0.4 * (1 - sharp / self._sharpness))))
        if not causes and self._edges is not None and ctx.t_s - self._start >= cfg.learn_s:
            corr = float(np.corrcoef(edges.ravel(), self._edges.ravel())[0, 1])
            if np.isfinite(corr) and corr < cfg.moved_correlation:
                causes.append(("moved", min(1.0, 0.6 + 0.4 * (cfg.moved_correlation - corr))))
        learning = ctx.t_s - self._start < cfg.learn_s
        if not causes:
            rate = 0.5 if learning else cfg.reference_rate
            self._sharpness = (
                sharp if self._sharpness is None else ((1 - rate) * self._sharpness + rate * sharp)
            )
            self._edges = edges if self._edges is None else (1 - rate) * self._edges + rate * edges
        return [
            Hit("tamper", ctx.t_s, score, key=cause, detail=cause)
            for cause, score in causes
            if not learning or cause in ("blackout", "covered")
        ]
