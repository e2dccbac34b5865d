"""Frame-based rules on synthetic scenes: tamper causes, offline, fire cue logic."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from tests.workers.synthetic import textured_background
from workers.rules.base import EventAggregator, FrameContext
from workers.rules.plugins.fire import FireConfig, FireRule
from workers.rules.plugins.offline import OfflineConfig, OfflineRule
from workers.rules.plugins.tamper import TamperConfig, TamperRule

SCENE = textured_background(3)


def run_tamper(after: Callable[[np.ndarray], np.ndarray], seconds: float = 10.0) -> list[str]:
    """5 s of the normal scene, then `after(scene)` for `seconds`; returns event keys."""
    config = TamperConfig()
    rule = TamperRule(config)
    agg = EventAggregator({"tamper": config})
    rng = np.random.default_rng(0)
    events = []
    for i in range(int((5 + seconds) * 5)):
        t = i * 0.2
        img = SCENE if t < 5 else after(SCENE)
        noisy = np.clip(img.astype(np.int16) + rng.integers(-2, 3, img.shape), 0, 255)
        events += agg.add(rule.process(FrameContext("cam", t, noisy.astype(np.uint8), [])), t)
    return [e.key for e in events + agg.flush()]


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        (lambda s: np.zeros_like(s), "blackout"),
        (lambda s: np.full_like(s, 160), "covered"),
        (lambda s: cv2.GaussianBlur(s, (0, 0), 6), "defocus"),
        (lambda s: textured_background(11), "moved"),
    ],
)
def test_each_tamper_cause_gives_one_event(change: Callable, cause: str) -> None:
    assert run_tamper(change) == [cause]


def test_normal_scene_with_a_passer_by_is_not_tamper() -> None:
    def passer(scene: np.ndarray) -> np.ndarray:
        img = scene.copy()
        cv2.rectangle(img, (150, 60), (190, 200), (40, 40, 40), -1)
        return img

    assert run_tamper(passer) == []


def test_frozen_flag_is_tamper_and_stalls_are_offline() -> None:
    tamper = TamperRule(TamperConfig())
    ctx = FrameContext("cam", 1.0, SCENE, [], stream_flags={"frozen"})
    assert [h.key for h in tamper.process(ctx)] == ["frozen"]
    offline = OfflineRule(OfflineConfig())
    assert offline.process(FrameContext("cam", 1.0, SCENE, [])) == []
    hits = offline.process(FrameContext("cam", 1.0, SCENE, [], stream_flags={"stalled"}))
    assert [h.detail for h in hits] == ["stalled"]


def _flame(rng: np.random.Generator, img: np.ndarray, x: int, y: int) -> None:
    """A flickering orange blob: the same place, a different shape every frame."""
    for _ in range(6):
        cx = x + int(rng.integers(-12, 13))
        cy = y + int(rng.integers(-20, 10))
        axes = (int(rng.integers(6, 16)), int(rng.integers(10, 30)))
        cv2.ellipse(img, (cx, cy), axes, 0, 0, 360, (0, int(rng.integers(120, 200)), 255), -1)


def _run_fire(draw: Callable[[int, np.ndarray], None], seconds: float = 8) -> int:
    rule = FireRule(FireConfig())
    return sum(
        bool(rule.process(FrameContext("cam", i * 0.2, _frame(draw, i), [])))
        for i in range(int(seconds * 5))
    )


def _frame(draw: Callable[[int, np.ndarray], None], i: int) -> np.ndarray:
    img = (SCENE // 2).copy()
    draw(i, img)
    return img


def test_fire_needs_flicker_in_place() -> None:
    rng = np.random.default_rng(5)
    flicker = _run_fire(lambda i, img: _flame(rng, img, 160, 150))
    static = _run_fire(lambda i, img: cv2.circle(img, (160, 150), 25, (0, 160, 255), -1))
    walking = _run_fire(
        lambda i, img: cv2.rectangle(
            img, (20 + 15 * (i % 18), 120), (50 + 15 * (i % 18), 190), (0, 140, 255), -1
        )
    )
    assert flicker >= 20  # most of 40 frames once the window has filled
    assert static == 0  # an orange lamp or mat
    assert walking <= 2  # an orange vest crossing the view


def test_fire_flicker_must_be_where_the_flame_colour_stays() -> None:
    """Static orange posts (anchored colour, no flicker) plus an orange shirt swaying elsewhere
    (flicker, nothing anchored) look like fire only when the cues are pooled over the frame."""
    rng = np.random.default_rng(7)

    def posts_and_shirt(i: int, img: np.ndarray) -> None:
        for x in (30, 90, 150, 210, 270):
            cv2.rectangle(img, (x, 200), (x + 8, 230), (0, 150, 255), -1)
        sx, sy = 220 + int(rng.integers(-45, 46)), 70 + int(rng.integers(-15, 16))
        cv2.rectangle(img, (sx, sy), (sx + 30, sy + 40), (30, 60, 240), -1)

    assert _run_fire(posts_and_shirt) == 0

    def shirt_and_flame(i: int, img: np.ndarray) -> None:
        sx, sy = 220 + int(rng.integers(-45, 46)), 70 + int(rng.integers(-15, 16))
        cv2.rectangle(img, (sx, sy), (sx + 30, sy + 40), (30, 60, 240), -1)
        _flame(flames, img, 80, 150)

    flames = np.random.default_rng(5)
    assert _run_fire(shirt_and_flame) >= 20  # a real flicker still counts next to a moving shirt
