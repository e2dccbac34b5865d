"""Fall: a fast descent from upright followed by staying down (DESIGN.md §8).

Per track: the upright reference is the tallest upright box (height/width ≥ `upright_aspect`)
seen in the `descent_s` before now. A descent is the box top dropping ≥ `top_drop` reference
heights and the centre ≥ `centre_drop` within that time. The person must then stay down for
`down_s`: box top stays ≥ `stay_drop` heights below the reference and the box never becomes
upright and tall again. A track lost right after the descent while low in the frame counts as
staying down (detectors lose lying people). Sitting, bending and lying down slowly do not drop
fast or far enough, or come back up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import Box
from workers.rules.registry import register
from workers.tracking.base import Track


class FallConfig(RuleConfig):
    """Thresholds relative to body height (independent of distance to the camera)."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "critical"
    labels: list[str] = Field(default_factory=lambda: ["person"], max_length=8)
    upright_aspect: float = Field(default=1.3, gt=0, le=10, description="h/w of an upright body")
    descent_s: float = Field(default=1.5, gt=0, le=10, description="the drop happens within")
    top_drop: float = Field(default=0.45, gt=0, le=2, description="box-top drop / ref height")
    centre_drop: float = Field(default=0.2, ge=0, le=2, description="centre drop / ref height")
    down_s: float = Field(default=2.0, ge=0, le=120, description="stays down this long")
    stay_drop: float = Field(default=0.3, ge=0, le=2, description="top stays this far below")
    recover_height: float = Field(
        default=0.8, gt=0, le=2, description="upright again at this share of the ref height"
    )
    accept_lost: bool = Field(default=True, description="lost while down counts as down")
    min_ref_height_px: float = Field(default=24, ge=1, le=4000, description="smallest person")
    merge_gap_s: float = Field(default=10.0, ge=0, le=3600)


@dataclass
class _Candidate:
    track_id: int
    t_fall: float
    ref_height: float
    ref_top: float
    box: Box
    speed: float
    lost: bool = False


@register
class FallRule(Rule):
    """Per-track descent detector with a stay-down check."""

    key: ClassVar[str] = "fall"
    event_type: ClassVar[str] = "fall"
    config_model = FallConfig
    config: FallConfig

    def __init__(self, config: RuleConfig) -> None:
        super().__init__(config)
        self._candidates: dict[int, _Candidate] = {}
        self._fired: set[int] = set()

    def _descent(self, track: Track, t_s: float) -> _Candidate | None:
        cfg = self.config
        _, y1, _, y2 = track.box
        h = y2 - y1
        cy = (y1 + y2) / 2
        refs = [
            b
            for t, b in track.history
            if t_s - cfg.descent_s <= t < t_s
            and (b[3] - b[1]) >= cfg.upright_aspect * max(b[2] - b[0], 1e-6)
            and (b[3] - b[1]) >= cfg.min_ref_height_px
        ]
        if not refs:
            return None
        ref = max(refs, key=lambda b: b[3] - b[1])
        ref_h = ref[3] - ref[1]
        top_drop = (y1 - ref[1]) / ref_h
        centre_drop = (cy - (ref[1] + ref[3]) / 2) / ref_h
        if top_drop >= cfg.top_drop and centre_drop >= cfg.centre_drop and h < ref_h:
            return _Candidate(track.track_id, t_s, ref_h, ref[1], track.box, top_drop)
        return None

    def process(self, ctx: FrameContext) -> list[Hit]:
        cfg = self.config
        seen = {t.track_id: t for t in ctx.tracks if t.label in cfg.labels}
        for track in seen.values():
            if track.track_id in self._fired:
                continue
            cand = self._candidates.get(track.track_id)
            if cand is None:
                found = self._descent(track, ctx.t_s)
                if found is not None:
                    self._candidates[track.track_id] = found
                continue
            x1, y1, x2, y2 = track.box
            upright_again = (y2 - y1) >= cfg.recover_height * cand.ref_height and (
                y2 - y1
            ) >= cfg.upright_aspect * (x2 - x1)
            if upright_again or (y1 - cand.ref_top) < cfg.stay_drop * cand.ref_height:
                del self._candidates[track.track_id]
            else:
                cand.box = track.box
        for track in ctx.lost:
            cand = self._candidates.get(track.track_id)
            if cand is not None:
                if cfg.accept_lost:
                    cand.lost = True
                else:
                    del self._candidates[track.track_id]
        hits = []
        for tid, cand in list(self._candidates.items()):
            if tid not in seen and not cand.lost and ctx.detected:
                continue  # not seen this frame but not dropped yet: wait
            if ctx.t_s - cand.t_fall >= cfg.down_s:
                score = min(1.0, 0.6 + 0.4 * min(cand.speed, 1.0)) * (0.85 if cand.lost else 1.0)
                hits.append(
                    Hit(
                        "fall",
                        ctx.t_s,
                        score,
                        (tid,),
                        cand.box,
                        key=f"track:{tid}",
                        detail="lost while down" if cand.lost else "stayed down",
                    )
                )
                self._fired.add(tid)
                del self._candidates[tid]
        return hits
