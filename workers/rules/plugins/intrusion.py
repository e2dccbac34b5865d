"""Intrusion: a person's feet inside a zone, optionally only at certain hours (parks at night)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.registry import register


class IntrusionConfig(RuleConfig):
    """Which zones are forbidden, for whom and when."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "high"
    labels: list[str] = Field(default_factory=lambda: ["person"], max_length=16)
    active_from_hour: int | None = Field(default=None, ge=0, le=23, description="local hour")
    active_to_hour: int | None = Field(default=None, ge=0, le=24, description="local hour")
    min_duration_s: float = Field(default=0.4, ge=0, le=600, description="inside this long")


@register
class IntrusionRule(Rule):
    """A track whose foot point is inside a watched zone during active hours."""

    key: ClassVar[str] = "intrusion"
    event_type: ClassVar[str] = "intrusion"
    config_model = IntrusionConfig
    config: IntrusionConfig

    @classmethod
    def needs_zones_ok(cls, config: RuleConfig) -> bool:
        return bool(config.zones)

    def active(self, ctx: FrameContext) -> bool:
        """Whether the time-of-day window is open (always, without hours or a wall clock)."""
        start, end = self.config.active_from_hour, self.config.active_to_hour
        if start is None or end is None or ctx.wall is None:
            return True
        hour = ctx.wall.hour
        return start <= hour < end if start <= end else hour >= start or hour < end

    def process(self, ctx: FrameContext) -> list[Hit]:
        if not self.active(ctx):
            return []
        hits = []
        for zone in self.zones(ctx):
            for track in ctx.tracks:
                if track.label in self.config.labels and zone.contains(track.foot, ctx.size):
                    hits.append(
                        Hit(
                            "intrusion",
                            ctx.t_s,
                            track.score,
                            (track.track_id,),
                            track.box,
                            key=f"{zone.name}:{track.track_id}",
                            detail=zone.name,
                        )
                    )
        return hits
