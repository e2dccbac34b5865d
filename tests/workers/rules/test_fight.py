"""Fight rule on synthetic frames with a hand-made score model (the rule, not the weights)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.workers.synthetic import textured_background, track
from workers.rules.base import FrameContext, Hit
from workers.rules.geometry import Box
from workers.rules.motion import summary_names
from workers.rules.plugins.fight import FightConfig, FightRule, LinearModel, load_model
from workers.tracking.base import Track

FPS = 5  # frames 0.2 s apart = FlowConfig.flow_step_s: every frame after the first gives flow
SCENE = textured_background(5)
PATCH = textured_background(9)[40:100, 40:80].copy()  # a 40 x 60 px textured "person"
CENTRES = ((110, 120), (210, 120))  # two fighters side by side
PERSON_A: Box = (80.0, 70.0, 140.0, 170.0)
PERSON_B: Box = (180.0, 70.0, 240.0, 170.0)
Frame = tuple[float, float | None, list[Hit]]  # (t, score computed on this frame, hits)


def entropy_model() -> LinearModel:
    """score = sigmoid(20 * (mean orientation entropy of the window - 0.3)).

    Static scene: entropy 0, score ~0.0025. Motion in every direction at once: entropy near 1,
    score near 1. Monotone in one disorder feature, so the tests know what the score means.
    """
    names = summary_names()
    coef = [20.0 if n == "orientation_entropy_mean" else 0.0 for n in names]
    return LinearModel(
        features=names, mean=[0.0] * len(names), scale=[1.0] * len(names), coef=coef, intercept=-6
    )


def fight_frame(i: int) -> np.ndarray:
    """Two textured blobs jumping erratically, always in opposite directions (seeded by i)."""
    dx, dy = (int(v) for v in np.random.default_rng(i).integers(-12, 13, 2))
    img = SCENE.copy()
    for sign, (cx, cy) in zip((1, -1), CENTRES, strict=True):
        x, y = cx + sign * dx - 20, cy + sign * dy - 30
        img[y : y + 60, x : x + 40] = PATCH
    return img


def play(
    rule: FightRule,
    seconds: float,
    image: Callable[[int], np.ndarray] = fight_frame,
    tracks: list[Track] | None = None,
    gate_closed: frozenset[int] = frozenset(),
) -> list[Frame]:
    """Feed `seconds` at FPS; per frame (t, the score computed on it or None, hits)."""
    shared: dict[str, object] = {}  # kept across the camera's frames, as the pipeline does
    out = []
    for i in range(round(seconds * FPS) + 1):
        t = round(i / FPS, 3)
        rule.last_score = math.nan  # set again only when this frame's window is scored
        ctx = FrameContext(
            "cam", t, image(i), tracks or [], detected=i not in gate_closed, shared=shared
        )
        hits = rule.process(ctx)
        out.append((t, None if math.isnan(rule.last_score) else rule.last_score, hits))
    return out


def first_hit(run: list[Frame]) -> float | None:
    return next((t for t, _, hits in run if hits), None)


def test_a_static_scene_scores_low_and_never_hits() -> None:
    rule = FightRule(FightConfig(persist=1), model=entropy_model())
    run = play(rule, 6.0, image=lambda _: SCENE.copy())
    scores = [s for _, s, _ in run if s is not None]
    assert scores, "the window fills up: a static scene is scored, not skipped"
    assert max(scores) < 0.01
    assert first_hit(run) is None


def test_violent_erratic_motion_hits_after_persist_windows_above_threshold_never_before() -> None:
    persist = 3
    rule = FightRule(FightConfig(persist=persist), model=entropy_model())
    run = play(rule, 4.0)
    scored = [(t, s) for t, s, _ in run if s is not None]
    # flow from t=0.2 on; min_window_frames=4 flow frames -> first score at t=0.8
    assert scored[0][0] == pytest.approx(0.8)
    assert all(s >= 0.6 for _, s in scored), scored
    # windows 0.8, 1.0, 1.2 above threshold: the third one (persist=3) is the first hit
    assert first_hit(run) == pytest.approx(0.8 + 0.2 * (persist - 1))
    assert all(hits for t, _, hits in run if t >= 1.2)  # and it keeps hitting while it goes on
    hit = run[-1][2][0]
    assert (hit.type, hit.key, hit.track_ids) == ("fight", "fight", ())
    assert hit.score >= 0.6
    # no person tracks: the box is where the disorderly motion is now, in full-frame pixels
    # (the fighters jump within x 78..242, y 78..162; flow cells are 16 px there)
    for _, _, hits in run:
        for h in hits:
            assert h.box is not None
            x1, y1, x2, y2 = h.box
            assert 48 <= x1 < x2 <= 272 and 48 <= y1 < y2 <= 192 and x2 - x1 >= 64, h.box


def test_a_closed_motion_gate_resets_the_streak() -> None:
    rule = FightRule(FightConfig(persist=3), model=entropy_model())
    # scores at 0.8 and 1.0 (streak 2), gate closed at 1.2 (frame 6): the streak starts again
    run = play(rule, 4.0, gate_closed=frozenset({6}))
    assert run[6][2] == [] and run[6][1] is None  # no flow, no score, no hit while closed
    assert first_hit(run) == pytest.approx(1.8)  # 1.4, 1.6, 1.8 = three fresh windows
    uninterrupted = first_hit(play(FightRule(FightConfig(persist=3), model=entropy_model()), 4.0))
    assert uninterrupted == pytest.approx(1.2)


def test_min_people_needs_that_many_person_tracks_and_boxes_them() -> None:
    config = FightConfig(persist=2, min_people=2)
    a = track(1, [(0.0, PERSON_A)])
    b = track(2, [(0.0, PERSON_B)])
    car = track(3, [(0.0, (0.0, 150.0, 60.0, 200.0))], label="car")
    for too_few in ([], [a], [a, car]):
        run = play(FightRule(config, model=entropy_model()), 3.0, tracks=too_few)
        assert max(s or 0 for _, s, _ in run) >= 0.6  # the motion scores as a fight ...
        assert first_hit(run) is None, too_few  # ... but fewer than two people: no hit
    run = play(FightRule(config, model=entropy_model()), 3.0, tracks=[a, car, b])
    assert first_hit(run) == pytest.approx(1.0)
    hit = run[-1][2][0]
    assert hit.track_ids == (1, 2)
    assert hit.box == (80.0, 70.0, 240.0, 170.0)  # union of the two person boxes, not the car


def test_load_model_rejects_a_model_trained_on_other_features(tmp_path: Path) -> None:
    good = entropy_model()
    path = tmp_path / "fight_model.json"
    path.write_text(good.model_dump_json())
    assert load_model(path) == good
    other = good.model_copy(update={"features": [*good.features[1:], good.features[0]]})
    stale = tmp_path / "stale_fight_model.json"  # a fresh path: load_model is lru_cached
    stale.write_text(json.dumps(other.model_dump()))
    with pytest.raises(ValueError, match="other features"):
        load_model(stale)
