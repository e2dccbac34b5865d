"""Loitering: a person stays in a zone longer than `dwell_s`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.registry import register


class LoiteringConfig(RuleConfig):
    """Dwell time in a zone before a person counts as loitering."""

    dwell_s: float = Field(default=60.0, gt=0, le=24 * 3600, description="seconds in the zone")
    grace_s: float = Field(
        default=3.0, ge=0, le=600, description="keep the clock while briefly out of the zone"
    )


@register
class LoiteringRule(Rule):
    """Per track and zone: time since entry; hits once past `dwell_s`."""

    key: ClassVar[str] = "loitering"
    event_type: ClassVar[str] = "loitering"
    config_model = LoiteringConfig
    config: LoiteringConfig

    def __init__(self, config: RuleConfig) -> None:
        super().__init__(config)
        self._entered: dict[tuple[str, int], float] = {}
        self._last_in: dict[tuple[str, int], float] = {}

    @classmethod
    def needs_zones_ok(cls, config: RuleConfig) -> bool:
        return bool(config.zones)

    def process(self, ctx: FrameContext) -> list[Hit]:
        hits = []
        for zone in self.zones(ctx):
            for track in ctx.people():
                slot = (zone.name, track.track_id)
                if not zone.contains(track.foot, ctx.size):
                    continue
                last = self._last_in.get(slot)
                if last is None or ctx.t_s - last > self.config.grace_s:
                    self._entered[slot] = ctx.t_s
                self._last_in[slot] = ctx.t_s
                dwell = ctx.t_s - self._entered[slot]
                if dwell >= self.config.dwell_s:
                    score = min(1.0, dwell / (2 * self.config.dwell_s))
                    hits.append(
                        Hit(
                            "loitering",
                            ctx.t_s,
                            0.5 + score / 2,
                            (track.track_id,),
                            track.box,
                            key=f"{zone.name}:{track.track_id}",
                            detail=f"{dwell:.0f} s",
                        )
                    )
        stale = [k for k, t in self._last_in.items() if ctx.t_s - t > self.config.grace_s * 10]
        for k in stale:
            self._last_in.pop(k, None)
            self._entered.pop(k, None)
        return hits
