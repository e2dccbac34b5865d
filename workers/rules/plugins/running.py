"""Running: a person moving faster than `speed_heights_per_s` body heights per second, and
sudden dispersal (several people running away from a common point at once)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import union_box
from workers.rules.registry import register


class RunningConfig(RuleConfig):
    """Speed relative to body height (independent of distance to the camera)."""

    speed_heights_per_s: float = Field(
        default=1.6, gt=0, le=20, description="walking is ~0.8, running ≥ 2 heights per second"
    )
    min_track_age_s: float = Field(default=0.6, ge=0, le=60, description="ignore newer tracks")
    min_duration_s: float = Field(default=0.8, ge=0, le=60, description="running this long")
    merge_gap_s: float = Field(default=3.0, ge=0, le=600)
    dispersal_min_people: int = Field(default=4, ge=2, le=1000, description="runners at once")
    dispersal_min_outward: float = Field(
        default=0.6, ge=0, le=1, description="mean cosine between velocity and outward direction"
    )


@register
class RunningRule(Rule):
    """Hits per running track; one extra `dispersal` hit when many run outward together."""

    key: ClassVar[str] = "running"
    event_type: ClassVar[str] = "running"
    config_model = RunningConfig
    config: RunningConfig

    def process(self, ctx: FrameContext) -> list[Hit]:
        cfg = self.config
        runners = []
        for track in ctx.people():
            if track.age_s < cfg.min_track_age_s or track.height <= 1:
                continue
            rel = track.speed / track.height
            if rel >= cfg.speed_heights_per_s:
                runners.append((track, rel))
        hits = [
            Hit(
                "running",
                ctx.t_s,
                min(1.0, 0.5 * rel / cfg.speed_heights_per_s),
                (t.track_id,),
                t.box,
                key=f"track:{t.track_id}",
                detail=f"{rel:.1f} heights/s",
            )
            for t, rel in runners
        ]
        if len(runners) >= cfg.dispersal_min_people:
            centres = np.array([t.centre for t, _ in runners])
            vel = np.array([t.velocity for t, _ in runners])
            outward = centres - centres.mean(axis=0)
            cos = (outward * vel).sum(axis=1) / np.maximum(
                np.linalg.norm(outward, axis=1) * np.linalg.norm(vel, axis=1), 1e-9
            )
            if float(cos.mean()) >= cfg.dispersal_min_outward:
                hits.append(
                    Hit(
                        "running",
                        ctx.t_s,
                        min(1.0, 0.6 + 0.4 * float(cos.mean())),
                        tuple(t.track_id for t, _ in runners),
                        union_box(t.box for t, _ in runners),
                        key="dispersal",
                        detail=f"{len(runners)} people dispersing",
                    )
                )
        return hits
