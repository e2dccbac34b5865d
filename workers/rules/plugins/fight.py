"""Fight: what the last ~2 s of video show, judged by a linear head on Kinetics I3D features.

While the motion gate sees movement, frames are kept at `clip_height` rows (`ClipSampler`).
Every `step_s`, once they span `window_s`, the last `window_s` is sampled to `clip_frames`
images and run through the Kinetics-400 I3D network (`workers.detectors.action`); a logistic
head whose weights are data (`fight_model.json`, written by `eval-behaviours --write`) scores its
832 mid-level (Mixed_4f) features. A hit needs the score above `threshold` for `persist`
consecutive clips. A clip where almost nothing changes (`min_motion`: a frozen, black or covered
view) is not scored; the head is also trained on synthetic camera faults as negatives
(`workers.rules.camera_faults`). At the end of a stream or window, the last `window_s` is scored
once more if at least `min_clip_frames` of its frames were never scored (a clip shorter than
`window_s`, or the tail after the last one). Optionally `min_people` person tracks must be
present (the person detector misses many people in real fight footage, so that is off by default).
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import ClassVar, Literal

import cv2
import numpy as np
from pydantic import BaseModel, Field

from workers.detectors.action import (
    FEATURES,
    MODEL_NAME,
    OUTPUT,
    clip_input,
    clip_picks,
    rgb_frame,
)
from workers.rules.base import FrameContext, Hit, Rule, RuleConfig
from workers.rules.geometry import Box, union_box
from workers.rules.registry import register
from workers.tracking.base import Track

MODEL_FILE = Path(__file__).resolve().parents[1] / "fight_model.json"
log = logging.getLogger(__name__)


def feature_names() -> list[str]:
    """Names of the head's inputs: the square roots of the I3D clip features."""
    return [f"{MODEL_NAME}_{OUTPUT}_sqrt_{i}" for i in range(FEATURES)]


def head_input(features: np.ndarray) -> np.ndarray:
    """What the head sees: square roots of the (non-negative, ReLU-averaged) I3D features."""
    return np.sqrt(np.maximum(np.asarray(features, dtype=np.float64), 0.0))


class LinearModel(BaseModel):
    """Standardised logistic model over named features."""

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
    """The fight head; fails loudly when its features do not match this code."""
    model = LinearModel.model_validate(json.loads(path.read_text()))
    if model.features != feature_names():
        raise ValueError(f"{path} was trained on other features; rerun eval-behaviours --write")
    return model


class FightConfig(RuleConfig):
    """Clip sampling, threshold and persistence of the fight score."""

    severity: Literal["info", "low", "medium", "high", "critical"] = "high"
    window_s: float = Field(default=2.0, gt=0.2, le=10, description="seconds in one clip")
    step_s: float = Field(default=2.0, gt=0.1, le=30, description="seconds between clips scored")
    clip_frames: int = Field(default=10, ge=4, le=64, description="frames fed to the network")
    clip_height: int = Field(default=320, ge=112, le=720, description="rows of those frames")
    min_clip_frames: int = Field(
        default=5, ge=2, le=64, description="fewest frames a clip may have (short or sparse)"
    )
    min_motion: float = Field(
        default=0.002,
        ge=0,
        le=1,
        description="fraction of pixels changing between the clip's frames (`clip_motion`) "
        "below which it is not scored (a frozen, black or covered view; real fights >= 0.006)",
    )
    threshold: float = Field(default=0.6, ge=0, le=1, description="fight score threshold")
    persist: int = Field(default=1, ge=1, le=100, description="consecutive clips above it")
    min_people: int = Field(default=0, ge=0, le=100, description="person tracks required")
    merge_gap_s: float = Field(default=10.0, ge=0, le=3600)


def _shared_embed() -> Callable[[np.ndarray], np.ndarray] | None:
    """The process's I3D network, or None (logged) when it cannot be loaded: then only the
    fight rule is off, the camera's other rules keep working."""
    from workers.detectors.action import shared_embedder
    from workers.models import ModelFetchError

    try:
        return shared_embedder().features
    except ModelFetchError as err:
        log.error("fight rule disabled: the I3D clip model is not available (%s)", err)
        return None


def clip_motion(frames_rgb: list[np.ndarray], length: int) -> float:
    """Mean fraction of pixels whose grey level changes by more than 12 between consecutive
    frames of those the network sees (`clip_picks`, so the measure does not depend on the camera's
    frame rate); frames are shrunk to a quarter of their width and height first."""
    picked = [frames_rgb[i] for i in np.unique(clip_picks(len(frames_rgb), length))]
    grey = [
        cv2.resize(
            cv2.cvtColor(f, cv2.COLOR_RGB2GRAY),
            None,
            fx=0.25,
            fy=0.25,
            interpolation=cv2.INTER_AREA,
        ).astype(np.int16)
        for f in picked
    ]
    if len(grey) < 2:
        return 0.0
    return float(np.mean([(np.abs(b - a) > 12).mean() for a, b in pairwise(grey)]))


class ClipSampler:
    """Keeps the moving frames of the last `window_s` and says when a clip is due."""

    def __init__(self, config: FightConfig) -> None:
        self.config = config
        self.frames: deque[tuple[float, np.ndarray]] = deque()
        self.last_clip_s = float("-inf")
        self.still = False  # the last clip checked was too still to score

    def reset(self) -> None:
        """The scene stopped moving: a clip never spans a gap."""
        self.frames.clear()

    def add(self, t_s: float, image_bgr: np.ndarray) -> np.ndarray | None:
        """Keep this frame; the clip tensor when one is due now, else None."""
        cfg = self.config
        frame = rgb_frame(image_bgr, cfg.clip_height)
        if self.frames and self.frames[-1][1].shape != frame.shape:
            self.frames.clear()  # the camera changed resolution: start a new clip
        self.frames.append((t_s, frame))
        while t_s - self.frames[0][0] >= cfg.window_s - 1e-6:
            self.frames.popleft()
        if t_s - self.last_clip_s < cfg.step_s - 1e-6 or not self._spans_window():
            return None
        return self._clip()

    def flush(self) -> np.ndarray | None:
        """At stream end: the last `window_s` as a clip, when at least `min_clip_frames` of its
        frames were never scored."""
        unscored = sum(t > self.last_clip_s for t, _ in self.frames)
        if unscored < self.config.min_clip_frames:
            return None
        return self._clip()

    def _spans_window(self) -> bool:
        n = len(self.frames)
        if n < self.config.min_clip_frames:  # a low-fps camera: too few frames for a clip
            return False
        span = self.frames[-1][0] - self.frames[0][0]
        return span * n / (n - 1) >= 0.95 * self.config.window_s

    def _clip(self) -> np.ndarray | None:
        """The clip tensor, or None when it is too still to show a fight (`still` says so). A
        still clip counts as checked all the same: `last_clip_s` advances, so the next check
        waits `step_s` and `flush` does not take those frames again."""
        self.last_clip_s = self.frames[-1][0]
        frames = [f for _, f in self.frames]
        self.still = clip_motion(frames, self.config.clip_frames) < self.config.min_motion
        return None if self.still else clip_input(frames, self.config.clip_frames)

    def moving_box(self, full_size: tuple[int, int]) -> Box | None:
        """Where the last two frames differ, in full-frame pixels (None when nothing moved)."""
        if len(self.frames) < 2:
            return None
        a, b = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for _, f in list(self.frames)[-2:])
        moving = cv2.morphologyEx(
            (cv2.absdiff(a, b) > 25).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
        )
        if not moving.any():
            return None
        x, y, w, h = cv2.boundingRect(moving)
        sx, sy = full_size[0] / a.shape[1], full_size[1] / a.shape[0]
        return (x * sx, y * sy, (x + w) * sx, (y + h) * sy)


@register
class FightRule(Rule):
    """Scores clips of the moving scene; hits when the score persists."""

    key: ClassVar[str] = "fight"
    event_type: ClassVar[str] = "fight"
    config_model = FightConfig
    config: FightConfig

    def __init__(
        self,
        config: RuleConfig,
        model: LinearModel | None = None,
        embed: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        super().__init__(config)
        self.model = model or load_model()
        self.embed = embed or _shared_embed()
        self.sampler = ClipSampler(self.config)
        self._streak = 0
        self._last: tuple[float, tuple[int, int], list[Track]] | None = None  # t, size, people
        self.last_score = 0.0

    def process(self, ctx: FrameContext) -> list[Hit]:
        if not ctx.detected:  # the motion gate saw nothing move: no fight, nothing to keep
            self._streak = 0
            self.sampler.reset()
            return []
        self._last = (ctx.t_s, ctx.size, ctx.people())
        return self._score(self.sampler.add(ctx.t_s, ctx.image), *self._last)

    def flush(self) -> list[Hit]:
        if self._last is None:
            return []
        return self._score(self.sampler.flush(), *self._last)

    def _score(
        self, clip: np.ndarray | None, t_s: float, size: tuple[int, int], people: list[Track]
    ) -> list[Hit]:
        if self.sampler.still:  # a clip where nothing moves is no fight: it breaks the streak
            self._streak = 0
        if clip is None or self.embed is None:
            return []
        cfg = self.config
        score = self.model.score(head_input(self.embed(clip)))
        self.last_score = score
        self._streak = self._streak + 1 if score >= cfg.threshold else 0
        if self._streak < cfg.persist or len(people) < cfg.min_people:
            return []
        box = union_box(t.box for t in people) if people else None
        box = box or self.sampler.moving_box(size)
        return [Hit("fight", t_s, score, tuple(t.track_id for t in people), box, key="fight")]
