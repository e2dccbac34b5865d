"""Crowd: more than `max_people` people in a zone (or the whole frame)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import union_box
from workers.rules.registry import register


class CrowdConfig(RuleConfig):
    """How many people make a crowd."""

    max_people: int = Field(default=15, ge=1, le=10_000, description="count above this = crowd")
    min_duration_s: float = Field(default=3.0, ge=0, le=3600, description="lasting this long")


@register
class CrowdRule(Rule):
    """Counts person tracks whose feet are in the zone."""

    key: ClassVar[str] = "crowd"
    event_type: ClassVar[str] = "crowd"
    config_model = CrowdConfig
    config: CrowdConfig

    def process(self, ctx: FrameContext) -> list[Hit]:
        people = ctx.people()
        areas: list[tuple[str, list]] = [("frame", people)] if not self.config.zones else []
        for zone in self.zones(ctx):
            areas.append((zone.name, [t for t in people if zone.contains(t.foot, ctx.size)]))
        hits = []
        for name, inside in areas:
            if len(inside) > self.config.max_people:
                score = min(1.0, len(inside) / (2 * self.config.max_people) + 0.5)
                hits.append(
                    Hit(
                        "crowd",
                        ctx.t_s,
                        score,
                        tuple(t.track_id for t in inside),
                        union_box(t.box for t in inside),
                        key=name,
                        detail=f"{len(inside)} people",
                    )
                )
        return hits
