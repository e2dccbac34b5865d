"""Abandonment: a new object stays still in the scene without its owner.

Dual background: a long-term average (time constant `long_term_s`) still shows the scene before
the object arrived, a short-term one (`short_term_s`) has absorbed it. Pixels that differ from
the long-term background but not from the short-term one are "static foreground"; they must stay
so for `static_s`. The object is unattended when no person box is within `owner_distance` box
heights of it; a region a person box overlaps (distance 0) is that person standing still.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import cv2
import numpy as np
from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import Box, box_distance
from workers.rules.registry import register


class AbandonmentConfig(RuleConfig):
    """Background time constants and object size limits (work at `width` px)."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "high"
    width: int = Field(default=160, ge=64, le=640, description="analysis width in pixels")
    long_term_s: float = Field(default=300.0, gt=1, le=24 * 3600, description="scene memory")
    short_term_s: float = Field(default=2.0, gt=0.1, le=600, description="recent memory")
    diff_threshold: float = Field(default=25.0, gt=0, le=255, description="grey difference")
    static_s: float = Field(default=30.0, gt=0, le=3600, description="object still this long")
    min_area_fraction: float = Field(default=0.001, ge=0, le=1, description="smallest object")
    max_area_fraction: float = Field(default=0.1, ge=0, le=1, description="largest object")
    owner_distance: float = Field(
        default=1.5, ge=0, le=100, description="a person this many box heights away attends it"
    )
    merge_gap_s: float = Field(default=30.0, ge=0, le=3600)
    max_changed_fraction: float = Field(
        default=0.3, gt=0, le=1, description="more of the view changed = scene change, relearn"
    )


@register
class AbandonmentRule(Rule):
    """Static-foreground regions older than `static_s` with nobody near."""

    key: ClassVar[str] = "abandonment"
    event_type: ClassVar[str] = "abandonment"
    config_model = AbandonmentConfig
    config: AbandonmentConfig

    def __init__(self, config: RuleConfig) -> None:
        super().__init__(config)
        self._long: np.ndarray | None = None
        self._short: np.ndarray | None = None
        self._static_since: np.ndarray | None = None
        self._last_t: float | None = None
        self._objects: dict[str, tuple[float, Box]] = {}  # key -> (last seen, box) of each object

    def process(self, ctx: FrameContext) -> list[Hit]:
        cfg = self.config
        w, h = ctx.size
        scale = cfg.width / w
        small = ctx.small(cfg.width)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (3, 3), 0)
        grey = grey.astype(np.float32)
        if self._long is None or self._long.shape != grey.shape:
            self._long, self._short = grey.copy(), grey.copy()
            self._static_since = np.full(grey.shape, np.inf, np.float32)
            self._last_t = ctx.t_s
            return []
        assert self._short is not None and self._static_since is not None
        dt = max(ctx.t_s - (self._last_t or ctx.t_s), 0.0)
        self._last_t = ctx.t_s
        cv2.accumulateWeighted(grey, self._short, min(1.0, dt / cfg.short_term_s))
        static = (np.abs(grey - self._long) > cfg.diff_threshold) & (
            np.abs(grey - self._short) <= cfg.diff_threshold / 2
        )
        if float(static.mean()) > cfg.max_changed_fraction:  # lights, cover, camera moved
            self._long = grey.copy()
            self._static_since[:] = np.inf
            return []
        # the long-term background learns only where nothing new stands still
        cv2.accumulateWeighted(
            grey, self._long, min(1.0, dt / cfg.long_term_s), mask=(~static).astype(np.uint8)
        )
        self._static_since = np.where(static, np.minimum(self._static_since, ctx.t_s), np.inf)
        old = ((ctx.t_s - self._static_since) >= cfg.static_s).astype(np.uint8)
        if not old.any():
            return []
        n, _, stats, _ = cv2.connectedComponentsWithStats(old, connectivity=8)
        people = ctx.people()
        hits = []
        for i in range(1, n):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if not cfg.min_area_fraction * old.size <= area <= cfg.max_area_fraction * old.size:
                continue
            box = (x / scale, y / scale, (x + bw) / scale, (y + bh) / scale)
            # a person standing still overlaps it (distance 0); an owner stands near it
            if any(box_distance(box, p.box) <= cfg.owner_distance * p.height for p in people):
                continue
            key = self._object_key(box, ctx.t_s, (w, h))
            hits.append(Hit("abandonment", ctx.t_s, 0.7, box=box, key=key, detail="unattended"))
        return hits

    def _object_key(self, box: Box, t_s: float, size: tuple[int, int]) -> str:
        """One key per object: a region touching one reported lately (an object that became
        static piece by piece, or whose outline flickers) keeps that object's key."""
        self._objects = {
            k: v for k, v in self._objects.items() if t_s - v[0] <= self.config.merge_gap_s
        }
        key = next((k for k, (_, b) in self._objects.items() if box_distance(b, box) == 0), None)
        if key is None:
            key = f"{round(box[0] / size[0] * 8)}:{round(box[1] / size[1] * 8)}"
        self._objects[key] = (t_s, box)
        return key
