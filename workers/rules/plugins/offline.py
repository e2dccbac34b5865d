"""Camera offline: the stream stalled or could not be (re)opened."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.registry import register


class OfflineConfig(RuleConfig):
    """Offline is reported at once; repeated stalls within `merge_gap_s` are one event."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "high"
    merge_gap_s: float = Field(default=60.0, ge=0, le=24 * 3600)


@register
class OfflineRule(Rule):
    """Turns the stream's `stalled` / `failed` flags into an offline hit."""

    key: ClassVar[str] = "offline"
    event_type: ClassVar[str] = "offline"
    config_model = OfflineConfig
    config: OfflineConfig

    def process(self, ctx: FrameContext) -> list[Hit]:
        flags = ctx.stream_flags & {"stalled", "failed"}
        if not flags:
            return []
        cause = "failed" if "failed" in flags else "stalled"
        return [Hit("offline", ctx.t_s, 1.0, key="stream", detail=cause)]
