"""Dense optical flow shared by the flow-based rules (the fall rule's descent cue).

Flow is computed on small grey frames about a minimum step apart (many clips repeat frames and
neighbouring frames give zero flow), once per camera and frame: rules that ask for the same
width and step share one Farneback computation through `FrameContext.shared`.
"""

from __future__ import annotations

import cv2
import numpy as np


def small_grey(image: np.ndarray, width: int) -> np.ndarray:
    """Grey frame resized to `width` pixels wide."""
    h, w = image.shape[:2]
    height = max(8, round(h * width / w))
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA)


def farneback(prev: np.ndarray, grey: np.ndarray) -> np.ndarray:
    """Dense optical flow (pixels per frame pair) with the parameters every rule uses."""
    flow: np.ndarray = cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]
        prev, grey, None, 0.5, 2, 9, 2, 5, 1.1, 0
    )
    return flow


def shared_flow(
    shared: dict[str, object], grey: np.ndarray, t_s: float, min_step_s: float
) -> tuple[np.ndarray, float] | None:
    """Flow from the previous accepted frame to `grey`, computed once per camera and frame.

    Rules with the same width and step share one Farneback computation through `shared`
    (FrameContext.shared). Returns (flow in pixels, dt) or None (first frame / too soon).
    """
    key = f"flow:{grey.shape[1]}:{min_step_s}"
    state = shared.get(key)
    if isinstance(state, tuple) and state[0] == t_s:
        return state[1]  # type: ignore[no-any-return]
    prev = shared.get(key + ":prev")
    if isinstance(prev, tuple) and t_s - prev[0] < min_step_s * 0.75:
        return None
    shared[key + ":prev"] = (t_s, grey)
    result = None
    if isinstance(prev, tuple) and prev[1].shape == grey.shape and t_s > prev[0]:
        result = (farneback(prev[1], grey), t_s - prev[0])
    shared[key] = (t_s, result)
    return result
