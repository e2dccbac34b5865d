"""Abandonment rule on synthetic frames: a left bag, an attended bag, a still person, a scene change."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from tests.workers.synthetic import textured_background, track
from workers.rules.base import EventAggregator, FrameContext, Hit
from workers.rules.geometry import Box
from workers.rules.plugins.abandonment import AbandonmentConfig, AbandonmentRule
from workers.tracking.base import Track

FPS = 10
SCENE = textured_background(7)  # 320 x 240; the rule works at 160 px
BAG: Box = (150.0, 150.0, 180.0, 175.0)  # 30 x 25 px: between min and max object area
STANDER: Box = (60.0, 80.0, 90.0, 170.0)  # a person-sized region (30 x 90 px)
# small time constants so the test runs seconds of stream, not minutes
CONFIG = AbandonmentConfig(long_term_s=30, short_term_s=0.5, static_s=2, merge_gap_s=1)


def draw(img: np.ndarray, box: Box, colour: tuple[int, int, int]) -> np.ndarray:
    x1, y1, x2, y2 = (int(v) for v in box)
    cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), colour, -1)
    return img


def with_bag(img: np.ndarray) -> np.ndarray:
    return draw(img, BAG, (20, 200, 240))


def play(
    image: Callable[[float], np.ndarray],
    seconds: float,
    tracks: Callable[[float], list[Track]] = lambda _: [],
    config: AbandonmentConfig = CONFIG,
) -> list[Hit]:
    """Feed `seconds` at FPS of `image(t)` with `tracks(t)`; returns all hits."""
    rule = AbandonmentRule(config)
    hits: list[Hit] = []
    for i in range(round(seconds * FPS) + 1):
        t = round(i / FPS, 3)
        hits += rule.process(FrameContext("cam", t, image(t), tracks(t)))
    return hits


def bag_from(t0: float) -> Callable[[float], np.ndarray]:
    """The scene; from `t0` on a bag lies on the floor."""
    return lambda t: with_bag(SCENE.copy()) if t >= t0 else SCENE.copy()


def near(box: Box, hit_box: Box | None, tol: float = 6.0) -> bool:
    return hit_box is not None and all(abs(a - b) <= tol for a, b in zip(box, hit_box, strict=True))


def inside(box: Box | None, outer: Box, tol: float = 4.0) -> bool:
    return box is not None and (
        box[0] >= outer[0] - tol
        and box[1] >= outer[1] - tol
        and box[2] <= outer[2] + tol
        and box[3] <= outer[3] + tol
    )


def test_a_bag_left_alone_is_one_abandonment_only_after_static_s() -> None:
    hits = play(bag_from(1.0), 8.0)
    assert hits, "a bag left alone for 7 s (static_s=2) is abandoned"
    first = min(h.t_s for h in hits)
    # never before it has stood still static_s; the short background absorbs it in < 1 s
    assert 1.0 + CONFIG.static_s <= first <= 1.0 + CONFIG.static_s + 1.0
    assert all(h.type == "abandonment" and h.detail == "unattended" for h in hits)
    assert all(near(BAG, h.box) for h in hits), {h.box for h in hits}
    assert len({h.key for h in hits}) == 1  # one object: the same key every frame
    assert [h.t_s for h in hits] == [round(first + i / FPS, 3) for i in range(len(hits))]
    agg = EventAggregator({"abandonment": CONFIG})
    for h in hits:
        agg.add([h], h.t_s)
    assert len(agg.flush()) == 1


@pytest.mark.parametrize(
    ("person", "attended"),
    [
        ((185.0, 135.0, 205.0, 175.0), True),  # right beside it: 5 px gap
        ((230.0, 135.0, 250.0, 175.0), True),  # 50 px gap <= 1.5 x 40 px person height
        ((250.0, 135.0, 270.0, 175.0), False),  # 70 px gap > 60 px: nobody attends the bag
    ],
)
def test_a_bag_with_its_owner_within_owner_distance_is_not_abandoned(
    person: Box, attended: bool
) -> None:
    owner = track(1, [(0.0, person)])
    hits = play(bag_from(1.0), 6.0, tracks=lambda _: [owner])
    if attended:
        assert hits == []
    else:
        assert hits and all(near(BAG, h.box) for h in hits)


def test_a_person_standing_still_is_not_an_abandoned_object() -> None:
    def stander(t: float) -> np.ndarray:
        img = SCENE.copy()
        return draw(img, STANDER, (40, 40, 40)) if t >= 1.0 else img

    person = track(1, [(0.0, (58.0, 78.0, 92.0, 172.0))])  # the detector's box around them
    assert play(stander, 6.0, tracks=lambda t: [person] if t >= 1.0 else []) == []
    # the same pixels with no person track are a (large) object left behind: parts of it at
    # first (some background under it is as dark), the whole region once all of it is old
    hits = play(stander, 6.0)
    assert hits and all(inside(h.box, STANDER) for h in hits)
    assert near(STANDER, hits[-1].box)


def lights_off(img: np.ndarray) -> np.ndarray:
    return (img * 0.3).astype(np.uint8)


def covered(img: np.ndarray) -> np.ndarray:
    return np.full_like(img, 160)


@pytest.mark.parametrize("change", [lights_off, covered])
def test_a_whole_view_change_is_relearned_not_abandonment(
    change: Callable[[np.ndarray], np.ndarray],
) -> None:
    """Most of the view changes at 1 s and stays so: no hit; the background is relearned,
    so a bag put down at 5 s in the changed view is found on its own, after static_s."""

    def image(t: float) -> np.ndarray:
        img = SCENE.copy() if t < 1.0 else change(SCENE)
        return with_bag(img) if t >= 5.0 else img

    hits = play(image, 10.0)
    assert hits, "the bag in the relearned scene is abandoned"
    assert min(h.t_s for h in hits) >= 5.0 + CONFIG.static_s  # nothing from the change itself
    assert all(near(BAG, h.box) for h in hits), {h.box for h in hits}


def test_an_object_that_grows_piece_by_piece_stays_one_event() -> None:
    """A bag is put down at 1 s and a coat dropped against its left side at 2 s: the region's
    corner moves, but it touches the object already reported, so it keeps that object's key."""
    coat: Box = (110.0, 150.0, 150.0, 175.0)

    def image(t: float) -> np.ndarray:
        img = bag_from(1.0)(t)
        return draw(img, coat, (200, 60, 200)) if t >= 2.0 else img

    hits = play(image, 8.0)
    assert hits and near((110.0, 150.0, 180.0, 175.0), hits[-1].box)  # bag and coat together
    assert len({h.key for h in hits}) == 1
    agg = EventAggregator({"abandonment": CONFIG})
    for h in hits:
        agg.add([h], h.t_s)
    assert len(agg.flush()) == 1
