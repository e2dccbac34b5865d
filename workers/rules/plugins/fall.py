"""Fall: a fast descent from upright followed by staying down (DESIGN.md §8).

Per track: the upright reference is the tallest upright box (height/width ≥ `upright_aspect`)
seen in the `descent_s` before now. A descent is the box top dropping ≥ `top_drop` reference
heights and the centre ≥ `centre_drop` within that time. The person must then stay down for
`down_s`: box top stays ≥ `stay_drop` heights below the reference and the box never becomes
upright and tall again. A track lost right after the descent while low in the frame counts as
staying down (detectors lose lying people). Sitting, bending and lying down slowly do not drop
fast or far enough, or come back up.

Because person detectors score lying and falling people near zero (DESIGN.md §8), a second,
detector-free cue runs on optical flow: a burst of downward motion (mean downward speed over the
frame's moving area, in image widths per second, summed over `burst_s`) followed for `down_s` by
no upward recovery of similar size and little motion (a person getting up, jumping or walking
on produces both). When a person detector runs, the descent must also be where a person was
seen up to `descent_s` before it: flashing signs and switching lights "fall" too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import Box, box_distance, union_box
from workers.rules.motion import farneback, shared_flow, small_grey
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
    use_tracks: bool = Field(default=True, description="track-based descent cue")
    use_flow: bool = Field(default=True, description="detector-free optical-flow cue")
    flow_width: int = Field(default=160, ge=64, le=640, description="flow image width")
    min_step_s: float = Field(
        default=0.2, gt=0.02, le=1, description="flow frame spacing (shared with fight)"
    )
    moving_speed: float = Field(default=0.04, gt=0, le=2, description="widths/s counted moving")
    burst_s: float = Field(default=0.6, gt=0, le=5, description="descent burst duration")
    min_descent: float = Field(
        default=0.0065, gt=0, le=1, description="downward motion summed over the burst"
    )
    max_recover: float = Field(
        default=0.011, gt=0, le=1, description="upward motion (same units) that cancels it"
    )
    max_motion_after: float = Field(
        default=0.085, gt=0, le=1, description="moving share of the frame while down"
    )
    max_moving_fraction: float = Field(
        default=0.5, gt=0, le=1, description="more of the frame moving = scene change, not a body"
    )
    max_brightness_change: float = Field(
        default=0.2, gt=0, le=10, description="relative change of mean grey = lights / cover"
    )
    flow_needs_person: bool = Field(
        default=True,
        description="a flow descent counts only where a person was seen up to `descent_s` before",
    )


@dataclass(frozen=True)
class MotionSample:
    """Whole-frame vertical motion between two sampled frames."""

    t_s: float
    down: float  # mean vy over the frame, moving pixels only, widths/s, + = downward
    moving: float  # share of moving pixels
    box: Box | None
    scene_change: bool = False  # lights switched, view covered: flow is meaningless


class FlowDescent:
    """Per-frame vertical-motion samples from Farneback flow on small grey frames."""

    def __init__(self, config: FallConfig) -> None:
        self.config = config
        self._prev: tuple[float, np.ndarray] | None = None

    def update(
        self,
        image: np.ndarray,
        t_s: float,
        full_width: int | None = None,
        shared: dict[str, object] | None = None,
    ) -> MotionSample | None:
        """Measure one (possibly downscaled) frame; None for the first."""
        cfg = self.config
        grey = small_grey(image, cfg.flow_width)
        prev, self._prev = self._prev, (t_s, grey)
        if prev is None or prev[1].shape != grey.shape or t_s <= prev[0]:
            return None
        got = shared_flow(shared, grey, t_s, cfg.min_step_s) if shared is not None else None
        flow = got[0].copy() if got is not None else farneback(prev[1], grey)
        dt = got[1] if got is not None else t_s - prev[0]
        flow -= np.median(flow.reshape(-1, 2), axis=0)
        before, after = float(prev[1].mean()), float(grey.mean())
        if abs(after - before) > cfg.max_brightness_change * max(before, 1.0):
            return MotionSample(t_s, 0.0, 1.0, None, scene_change=True)
        flow /= cfg.flow_width * dt
        moving = np.hypot(flow[..., 0], flow[..., 1]) > cfg.moving_speed
        box = None
        if moving.any():
            ys, xs = np.nonzero(moving)
            k = (full_width or image.shape[1]) / cfg.flow_width
            box = (xs.min() * k, ys.min() * k, (xs.max() + 1) * k, (ys.max() + 1) * k)
        down = float((flow[..., 1] * moving).sum() / moving.size)
        return MotionSample(t_s, down, float(moving.mean()), box)


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
        self.flow = FlowDescent(self.config)
        self._motion: deque[MotionSample] = deque()
        self._flow_fired_at: float | None = None
        self._people: deque[tuple[float, Box]] = deque()  # recent person boxes, for flow hits

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
        hits = self._track_hits(ctx) if self.config.use_tracks else []
        if self.config.use_flow:
            self._remember_people(ctx)
            sample: MotionSample | None = ctx.cache.get("fall_motion")
            if sample is None and not ctx.detected:
                sample = MotionSample(ctx.t_s, 0.0, 0.0, None)  # gate closed: nothing moves
            elif sample is None:
                small = ctx.small(self.config.flow_width)
                sample = self.flow.update(small, ctx.t_s, ctx.size[0], shared=ctx.shared)
            if sample is not None:
                hits.extend(self._flow_hits(sample, needs_person=ctx.finds_people))
        return hits

    def _flow_hits(self, sample: MotionSample, *, needs_person: bool = True) -> list[Hit]:
        """Downward burst `down_s` ago, no recovery and little motion since.

        With `needs_person` (and `flow_needs_person`) a person must have been seen where the
        motion was: flashing lights and signs move downwards too.
        """
        cfg = self.config
        if sample.scene_change or sample.moving > cfg.max_moving_fraction:
            self._motion.clear()  # lights, camera moved or covered: nothing to judge across
            return []
        self._motion.append(sample)
        t = sample.t_s
        while self._motion and t - self._motion[0].t_s > cfg.down_s + 2 * cfg.burst_s:
            self._motion.popleft()
        samples = list(self._motion)
        before = [m for m in samples if m.t_s <= t - cfg.down_s]
        after = [m for m in samples if m.t_s > t - cfg.down_s]
        if not before or not after or len(samples) < 3:
            return []
        span = max(1, round(cfg.burst_s / max((t - samples[0].t_s) / (len(samples) - 1), 1e-3)))
        downs = np.array([m.down for m in samples])
        sums = np.convolve(downs, np.ones(span), "valid")  # sums[i] covers samples[i:i+span]
        ends = [i + span - 1 for i in range(len(sums))]
        candidates = [
            (sums[i], i) for i, end in enumerate(ends) if samples[end].t_s <= t - cfg.down_s
        ]
        if not candidates:
            return []
        burst, start = max(candidates)
        burst_end = samples[start + span - 1].t_s
        if burst < cfg.min_descent:
            return []
        if self._flow_fired_at is not None and burst_end <= self._flow_fired_at:
            return []
        later = np.array([m.down for m in samples if m.t_s > burst_end])
        recover = (
            float(-np.convolve(later, np.ones(span), "valid").min()) if len(later) >= span else 0.0
        )
        moving_after = float(np.mean([m.moving for m in samples if m.t_s > burst_end]))
        if recover >= cfg.max_recover or moving_after >= cfg.max_motion_after:
            return []
        moved = samples[start : start + span]
        box = union_box(m.box for m in moved if m.box is not None)  # where it moved down
        needs = needs_person and cfg.flow_needs_person
        if needs and not self._person_near(box, moved[0].t_s, burst_end):
            return []
        self._flow_fired_at = t
        score = min(1.0, 0.5 + 0.5 * min(1.0, burst / (2 * cfg.min_descent)))
        return [Hit("fall", t, score, (), box, key="flow", detail=f"descent {burst:.4f}")]

    def _remember_people(self, ctx: FrameContext) -> None:
        cfg = self.config
        self._people.extend((ctx.t_s, t.box) for t in ctx.tracks if t.label in cfg.labels)
        horizon = cfg.descent_s + cfg.down_s + 2 * cfg.burst_s
        while self._people and ctx.t_s - self._people[0][0] > horizon:
            self._people.popleft()

    def _person_near(self, box: Box | None, start_s: float, end_s: float) -> bool:
        """Whether a person box overlapping `box` was seen from `descent_s` before the burst."""
        if box is None:
            return False
        since = start_s - self.config.descent_s
        return any(since <= t <= end_s and box_distance(b, box) == 0 for t, b in self._people)

    def _track_hits(self, ctx: FrameContext) -> list[Hit]:
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
