"""Synthetic camera faults laid over real footage: covered, defocused, dark, flickering, dying.

A fight alert from a camera that is being covered or whose picture fails is the false alarm a
control room trusts least, and the footage has no such clips. The fight head is trained with
these faults applied to non-fight clips as negatives, and `eval-behaviours` reports how often it
still fires on them (out of fold). Each fault maps (index of the sampled frame, BGR image) to the
faulty BGR image.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Fault = Callable[[int, np.ndarray], np.ndarray]


def flicker(index: int, image: np.ndarray) -> np.ndarray:
    """Brightness jumping by ±40 grey levels from frame to frame (failing lights, IR switching)."""
    shift = 40 if index % 2 else -40
    return np.clip(image.astype(np.int16) + shift, 0, 255).astype(np.uint8)


def half_covered(index: int, image: np.ndarray) -> np.ndarray:
    """The left half of the view blacked out (a hand, a bag or tape over the lens)."""
    covered = image.copy()
    covered[:, : image.shape[1] // 2] = 0
    return covered


def defocused(index: int, image: np.ndarray) -> np.ndarray:
    """A strong blur (lens knocked out of focus, condensation)."""
    return cv2.GaussianBlur(image, (0, 0), image.shape[0] / 12)


def dark(index: int, image: np.ndarray) -> np.ndarray:
    """The picture at 15 % brightness (night without IR, a failing sensor)."""
    return (image * 0.15).astype(np.uint8)


FADE_AFTER_FRAMES = 5  # 1 s at the 5 fps `eval-behaviours` samples


def fade_to_black(index: int, image: np.ndarray) -> np.ndarray:
    """The picture going black after `FADE_AFTER_FRAMES` frames: the camera dies mid-clip."""
    return image if index < FADE_AFTER_FRAMES else np.zeros_like(image)


FAULTS: dict[str, Fault] = {
    "flicker": flicker,
    "half_covered": half_covered,
    "defocused": defocused,
    "dark": dark,
    "fade_to_black": fade_to_black,
}
