"""Fight: violent, erratic motion — local disorder of optical flow, ViF-like speed changes.

Every `flow_step_s` the flow features of workers.rules.motion are computed; the last `window_s`
are summarised and scored by a logistic model whose weights are data (`fight_model.json`,
written by `python -m workers eval-behaviours --write`). A hit needs the score above `threshold`
for `persist` consecutive evaluations. Optionally at least `min_people` person tracks must be
present (the person detector misses many people in real fight footage, so it is off by default).
"""

from __future__ import annotations

import json
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field

from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import union_box
from workers.rules.motion import FlowConfig, FlowFeatures, FlowFrame, summary_names, window_summary
from workers.rules.registry import register

MODEL_FILE = Path(__file__).resolve().parents[1] / "fight_model.json"


class LinearModel(BaseModel):
    """Standardised logistic model over `window_summary` features."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def score(self, x: np.ndarray) -> float:
        """Probability-like score in [0, 1]."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = float(z @ np.asarray(self.coef) + self.intercept)
        return float(1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30))))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> LinearModel:
    """The fight model; fails loudly when its features do not match this code."""
    model = LinearModel.model_validate(json.loads(path.read_text()))
    if model.features != summary_names():
        raise ValueError(f"{path} was trained on other features; rerun eval-behaviours --write")
    return model


class FightConfig(RuleConfig):
    """Window, persistence and threshold of the fight score."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "high"
    flow: FlowConfig = Field(default_factory=FlowConfig)
    window_s: float = Field(default=2.0, gt=0.2, le=30, description="seconds summarised")
    min_window_frames: int = Field(default=4, ge=1, le=300, description="flow frames needed")
    threshold: float = Field(default=0.6, ge=0, le=1, description="fight score threshold")
    persist: int = Field(default=2, ge=1, le=100, description="consecutive windows above it")
    min_people: int = Field(default=0, ge=0, le=100, description="person tracks required")
    merge_gap_s: float = Field(default=10.0, ge=0, le=3600)


@register
class FightRule(Rule):
    """Scores the recent flow window; hits when the score persists."""

    key: ClassVar[str] = "fight"
    event_type: ClassVar[str] = "fight"
    config_model = FightConfig
    config: FightConfig

    def __init__(self, config: RuleConfig, model: LinearModel | None = None) -> None:
        super().__init__(config)
        self.model = model or load_model()
        self.flow = FlowFeatures(self.config.flow)
        self._frames: deque[FlowFrame] = deque()
        self._streak = 0
        self.last_score = 0.0

    def score_window(self, t_s: float) -> float | None:
        """Score of the flow frames in the last `window_s` (None when too few)."""
        while self._frames and t_s - self._frames[0].t_s > self.config.window_s:
            self._frames.popleft()
        if len(self._frames) < self.config.min_window_frames:
            return None
        return self.model.score(window_summary(self._frames))

    def process(self, ctx: FrameContext) -> list[Hit]:
        cfg = self.config
        if not ctx.detected:  # the motion gate saw nothing move: no fight, no flow to compute
            self._streak = 0
            return []
        width = self.config.flow.width
        frame = self.flow.update(
            ctx.small(width), ctx.t_s, full_width=ctx.size[0], shared=ctx.shared
        )
        if frame is None:
            return []
        self._frames.append(frame)
        score = self.score_window(ctx.t_s)
        if score is None:
            return []
        self.last_score = score
        people = ctx.people()
        self._streak = self._streak + 1 if score >= cfg.threshold else 0
        if self._streak < cfg.persist or len(people) < cfg.min_people:
            return []
        box = union_box(t.box for t in people) if people else None
        box = box or self._frames[-1].box  # where the disorderly motion is now
        return [Hit("fight", ctx.t_s, score, tuple(t.track_id for t in people), box, key="fight")]
