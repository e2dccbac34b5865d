"""Fall rule on synthetic tracks and motion samples: what is a fall and what is not."""

from __future__ import annotations

import numpy as np

from tests.workers.synthetic import track
from workers.rules.base import FrameContext, Hit
from workers.rules.geometry import Box
from workers.rules.plugins.fall import FallConfig, FallRule, MotionSample

FRAME = np.zeros((480, 640, 3), np.uint8)
FPS = 5
UPRIGHT: Box = (300, 200, 340, 300)  # 40 x 100 px, standing
LYING: Box = (270, 260, 370, 300)  # 100 x 40 px, on the floor where they stood


def frames(seconds: float) -> list[float]:
    return [round(i / FPS, 3) for i in range(int(seconds * FPS) + 1)]


def between(a: Box, b: Box, share: float) -> Box:
    return tuple(float(x + (y - x) * share) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def play_track(
    rule: FallRule, box_at, seconds: float, lost_after: float | None = None
) -> list[Hit]:
    """Feed one person whose box at time t is `box_at(t)`; optionally lost after a time."""
    history: list[tuple[float, Box]] = []
    hits: list[Hit] = []
    for t in frames(seconds):
        if lost_after is not None and t > lost_after:
            gone = (
                [track(1, history)]
                if t == min(x for x in frames(seconds) if x > lost_after)
                else []
            )
            hits += rule.process(FrameContext("cam", t, FRAME, [], lost=gone))
            continue
        history.append((t, box_at(t)))
        hits += rule.process(FrameContext("cam", t, FRAME, [track(1, history)]))
    return hits


def tracks_only() -> FallRule:
    return FallRule(FallConfig(use_flow=False))


def fall_at(t0: float, duration: float, after: Box = LYING):
    def box_at(t: float) -> Box:
        return between(UPRIGHT, after, min(max((t - t0) / duration, 0.0), 1.0))

    return box_at


def test_a_fast_fall_and_staying_down_is_one_fall_of_that_track() -> None:
    hits = play_track(tracks_only(), fall_at(1.0, 0.6), 5.0)
    assert len(hits) == 1
    assert hits[0].track_ids == (1,) and hits[0].detail == "stayed down"
    assert hits[0].t_s >= 1.6 + FallConfig().down_s - 0.2  # only after staying down


def test_lying_down_slowly_is_not_a_fall() -> None:
    assert play_track(tracks_only(), fall_at(1.0, 4.0), 8.0) == []


def test_getting_up_again_within_down_s_is_not_a_fall() -> None:
    fall = fall_at(1.0, 0.6)

    def box_at(t: float) -> Box:
        return fall(t) if t < 2.2 else UPRIGHT  # back on their feet 0.6 s after landing

    assert play_track(tracks_only(), box_at, 6.0) == []


def test_bending_down_to_pick_something_up_is_not_a_fall() -> None:
    bent: Box = (295, 235, 345, 300)  # top drops 0.35 heights: below top_drop
    assert play_track(tracks_only(), fall_at(1.0, 0.6, after=bent), 6.0) == []


def test_a_person_lost_by_the_detector_once_down_still_counts() -> None:
    hits = play_track(tracks_only(), fall_at(1.0, 0.6), 6.0, lost_after=1.8)
    assert len(hits) == 1 and hits[0].detail == "lost while down"
    lost_lower = play_track(
        FallRule(FallConfig(use_flow=False, accept_lost=False)),
        fall_at(1.0, 0.6),
        6.0,
        lost_after=1.8,
    )
    assert lost_lower == []


# -- the detector-free cue: whole-frame downward motion ---------------------------------------

BURST_BOX: Box = (260, 180, 380, 300)


def motion(t: float, down: float, moving: float) -> MotionSample:
    return MotionSample(t, down, moving, BURST_BOX if moving else None)


def descent_then(after_down: float, after_moving: float):
    """Quiet, a 0.6 s burst of downward motion at t = 1 s, then `after_*` motion."""

    def sample(t: float) -> MotionSample:
        if 1.0 <= t < 1.6:
            return motion(t, 0.006, 0.05)
        if t >= 1.6:
            return motion(t, after_down, after_moving)
        return motion(t, 0.0, 0.0)

    return sample


def play_motion(
    sample_at, seconds: float, person: Box | None, finds_people: bool = True
) -> list[Hit]:
    rule = FallRule(FallConfig(use_tracks=False))
    hits: list[Hit] = []
    for t in frames(seconds):
        people = [track(7, [(t, person)])] if person is not None and t < 1.6 else []
        ctx = FrameContext("cam", t, FRAME, people, finds_people=finds_people)
        ctx.cache["fall_motion"] = sample_at(t)
        hits += rule.process(ctx)
    return hits


def test_a_downward_burst_then_stillness_where_a_person_stood_is_a_fall() -> None:
    hits = play_motion(descent_then(0.0, 0.01), 5.0, person=UPRIGHT)
    assert len(hits) == 1 and hits[0].box == BURST_BOX and hits[0].key == "flow"


def test_a_downward_burst_followed_by_getting_up_is_not_a_fall() -> None:
    assert play_motion(descent_then(-0.006, 0.05), 5.0, person=UPRIGHT) == []


def test_a_downward_burst_with_the_scene_still_moving_is_not_a_fall() -> None:
    assert play_motion(descent_then(0.0, 0.2), 5.0, person=UPRIGHT) == []


def test_a_flashing_sign_moving_down_with_nobody_there_is_not_a_fall() -> None:
    assert play_motion(descent_then(0.0, 0.01), 5.0, person=None) == []
    elsewhere: Box = (10, 10, 50, 110)  # a person far from where the motion was
    assert play_motion(descent_then(0.0, 0.01), 5.0, person=elsewhere) == []


def test_without_a_person_detector_the_motion_cue_alone_decides() -> None:
    hits = play_motion(descent_then(0.0, 0.01), 5.0, person=None, finds_people=False)
    assert len(hits) == 1
