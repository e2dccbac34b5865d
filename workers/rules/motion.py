"""Optical-flow statistics for the fight rule (local disorder of motion, ViF-like change).

Flow is computed on small grey frames (`width` px) about `flow_step_s` apart, because many clips
repeat frames and neighbouring frames give zero flow. The median flow is subtracted (camera
shake) and speeds are normalised by image width per second, so features do not depend on the
resolution. Each flow frame gives a feature vector; a window of them is summarised by mean and
upper quantile. See DESIGN.md §8.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import BaseModel, Field

FRAME_FEATURES = (
    "moving_fraction",
    "speed_p90",
    "orientation_entropy",
    "cell_disorder",
    "conflict_cells",
    "blob_count",
    "cell_change",
    "vif_mean",
    "vif_high",
    "speed_change",
    "divergence_abs",
    "curl_abs",
)


class FlowConfig(BaseModel):
    """How flow is sampled and thresholded."""

    width: int = Field(default=160, ge=64, le=640, description="flow image width in pixels")
    flow_step_s: float = Field(default=0.2, gt=0.02, le=1.0, description="time between frames")
    moving_speed: float = Field(
        default=0.04, gt=0, le=2, description="speed (image widths per second) counted as moving"
    )
    cell: int = Field(default=8, ge=4, le=32, description="cell size in flow pixels")
    min_blob_px: int = Field(default=6, ge=1, le=500, description="smallest moving blob")


@dataclass(frozen=True)
class FlowFrame:
    """One flow measurement: features plus the moving region in original pixels."""

    t_s: float
    features: np.ndarray
    box: tuple[float, float, float, float] | None


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


def _entropy(angles: np.ndarray, weights: np.ndarray, bins: int = 8) -> float:
    if weights.sum() <= 0:
        return 0.0
    hist, _ = np.histogram(angles, bins=bins, range=(-np.pi, np.pi), weights=weights)
    p = hist / hist.sum()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(bins))


class FlowFeatures:
    """Stateful: feed frames in time order, get a FlowFrame every `flow_step_s`."""

    def __init__(self, config: FlowConfig | None = None) -> None:
        self.config = config or FlowConfig()
        self._prev: tuple[float, np.ndarray] | None = None
        self._prev_speed: np.ndarray | None = None
        self._prev_cells: np.ndarray | None = None

    def update(
        self,
        image: np.ndarray,
        t_s: float,
        full_width: int | None = None,
        shared: dict[str, object] | None = None,
    ) -> FlowFrame | None:
        """Feed one BGR (or grey) frame; returns features when a flow step is complete.

        `image` may already be downscaled; `full_width` is then the original width (for boxes).
        With `shared` (FrameContext.shared) the flow is computed once for all rules.
        """
        cfg = self.config
        grey = small_grey(image, cfg.width)
        if shared is not None:
            got = shared_flow(shared, grey, t_s, cfg.flow_step_s)
            if got is None:
                return None
            flow, dt = got[0].copy(), max(got[1], 1e-3)
        else:
            if self._prev is not None and t_s - self._prev[0] < cfg.flow_step_s * 0.75:
                return None
            prev, self._prev = self._prev, (t_s, grey)
            if prev is None or prev[1].shape != grey.shape:
                return None
            dt = max(t_s - prev[0], 1e-3)
            flow = farneback(prev[1], grey)
        flow -= np.median(flow.reshape(-1, 2), axis=0)
        flow /= cfg.width * dt  # image widths per second
        feats, box = self._features(flow)
        if box is not None:
            scale = (full_width or image.shape[1]) / cfg.width
            box = (box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale)
        return FlowFrame(t_s, feats, box)

    def _features(self, flow: np.ndarray) -> tuple[np.ndarray, tuple[float, ...] | None]:
        cfg = self.config
        fx, fy = flow[..., 0], flow[..., 1]
        speed = np.hypot(fx, fy)
        angle = np.arctan2(fy, fx)
        moving = speed > cfg.moving_speed
        moving_fraction = float(moving.mean())
        speed_p90 = float(np.quantile(speed[moving], 0.9)) if moving.any() else 0.0
        entropy = _entropy(angle[moving], speed[moving])
        # cells: mean vector, coherence of directions inside the cell
        c = cfg.cell
        hh, ww = (speed.shape[0] // c) * c, (speed.shape[1] // c) * c
        ux = np.where(moving, np.cos(angle), 0.0)[:hh, :ww].reshape(hh // c, c, ww // c, c)
        uy = np.where(moving, np.sin(angle), 0.0)[:hh, :ww].reshape(hh // c, c, ww // c, c)
        count = moving[:hh, :ww].reshape(hh // c, c, ww // c, c).sum(axis=(1, 3))
        active = count >= max(2, c * c // 8)
        resultant = np.hypot(ux.sum(axis=(1, 3)), uy.sum(axis=(1, 3))) / np.maximum(count, 1)
        disorder = 1.0 - resultant
        cell_disorder = float(disorder[active].mean()) if active.any() else 0.0
        conflict = float((disorder[active] > 0.5).mean()) if active.any() else 0.0
        cells = np.stack(
            [
                fx[:hh, :ww].reshape(hh // c, c, ww // c, c).mean(axis=(1, 3)),
                fy[:hh, :ww].reshape(hh // c, c, ww // c, c).mean(axis=(1, 3)),
            ],
            axis=-1,
        )
        cell_change = 0.0
        if self._prev_cells is not None and self._prev_cells.shape == cells.shape and active.any():
            delta = np.linalg.norm(cells - self._prev_cells, axis=-1)
            norm = np.linalg.norm(cells, axis=-1) + np.linalg.norm(self._prev_cells, axis=-1)
            cell_change = float((delta[active] / np.maximum(norm[active], 1e-6)).mean())
        self._prev_cells = cells
        # ViF: where did the speed change by more than the mean change?
        vif_mean = vif_high = speed_change = 0.0
        if self._prev_speed is not None and self._prev_speed.shape == speed.shape:
            change = np.abs(speed - self._prev_speed)
            binary = change > change.mean()
            vif_mean = float(binary.mean())
            vif_high = float((change > 2 * cfg.moving_speed).mean())
            speed_change = float(change[moving].mean()) if moving.any() else 0.0
        self._prev_speed = speed
        n_blobs, _, stats, _ = cv2.connectedComponentsWithStats(
            moving.astype(np.uint8), connectivity=8
        )
        blobs = int((stats[1:, cv2.CC_STAT_AREA] >= cfg.min_blob_px).sum()) if n_blobs > 1 else 0
        dudx = np.gradient(fx, axis=1)
        dvdy = np.gradient(fy, axis=0)
        dudy = np.gradient(fx, axis=0)
        dvdx = np.gradient(fy, axis=1)
        div = float(np.abs(dudx + dvdy)[moving].mean()) if moving.any() else 0.0
        curl = float(np.abs(dvdx - dudy)[moving].mean()) if moving.any() else 0.0
        box = None
        if active.any():  # cells with enough moving pixels: ignores scattered noise
            ys, xs = np.nonzero(active)
            box = (
                float(xs.min() * c),
                float(ys.min() * c),
                float((xs.max() + 1) * c),
                float((ys.max() + 1) * c),
            )
        vec = np.array(
            [
                moving_fraction,
                speed_p90,
                entropy,
                cell_disorder,
                conflict,
                float(np.log1p(blobs)),
                cell_change,
                vif_mean,
                vif_high,
                speed_change,
                div,
                curl,
            ],
            dtype=np.float64,
        )
        return vec, box


def window_summary(frames: list[FlowFrame] | deque[FlowFrame]) -> np.ndarray:
    """Summarise a window of flow frames: mean and 75th percentile of each feature."""
    if not frames:
        return np.zeros(2 * len(FRAME_FEATURES))
    stack = np.stack([f.features for f in frames])
    return np.concatenate([stack.mean(axis=0), np.quantile(stack, 0.75, axis=0)])


def summary_names() -> list[str]:
    """Names of the `window_summary` entries."""
    return [f"{n}_mean" for n in FRAME_FEATURES] + [f"{n}_p75" for n in FRAME_FEATURES]
