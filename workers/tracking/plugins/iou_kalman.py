"""SORT/ByteTrack-style tracker: constant-velocity Kalman boxes, IoU matching in two passes.

High-score detections are matched first, then low-score ones try the remaining tracks (the
ByteTrack idea: a person who is half hidden or blurred keeps their id). Matching is optimal
(Hungarian) on 1 - IoU. Velocity is the Kalman estimate of the box centre in pixels per second.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field
from scipy.optimize import linear_sum_assignment

from workers.tracking.base import Box, DetectionLike, Track


class IouKalmanConfig(BaseModel):
    """Tracker thresholds."""

    high_score: float = Field(default=0.5, ge=0, le=1, description="first-pass detection score")
    low_score: float = Field(default=0.15, ge=0, le=1, description="second-pass minimum score")
    match_iou: float = Field(default=0.2, ge=0, le=1, description="minimum IoU to keep an id")
    max_missed_s: float = Field(
        default=1.5, gt=0, le=60, description="drop a track unseen this long"
    )
    min_hits: int = Field(default=2, ge=1, le=30, description="updates before a track is confirmed")
    process_noise: float = Field(default=1.0, gt=0, le=1e4, description="Kalman acceleration noise")
    measurement_noise: float = Field(default=4.0, gt=0, le=1e4, description="box noise in pixels")


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of boxes (N×4, M×4, x1 y1 x2 y2)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


class _KalmanBox:
    """State [cx, cy, w, h, vx, vy, vw, vh]; constant velocity in stream seconds."""

    def __init__(self, box: Box, config: IouKalmanConfig) -> None:
        x1, y1, x2, y2 = box
        self.x = np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0, 0, 0, 0], float)
        size = max(x2 - x1, y2 - y1, 1.0)
        self.p = np.diag([size, size, size, size, 4 * size, 4 * size, size, size]) ** 2 * 0.1
        self.q = config.process_noise
        self.r = config.measurement_noise

    def predict(self, dt: float) -> None:
        f = np.eye(8)
        f[:4, 4:] = np.eye(4) * dt
        scale = max(self.x[2], self.x[3], 1.0)
        q = np.diag([dt**2] * 4 + [dt] * 4) * (self.q * scale) ** 2 * 0.01
        self.x = f @ self.x
        self.x[2:4] = np.maximum(self.x[2:4], 1.0)
        self.p = f @ self.p @ f.T + q

    def correct(self, box: Box) -> None:
        x1, y1, x2, y2 = box
        z = np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], float)
        h = np.zeros((4, 8))
        h[:, :4] = np.eye(4)
        scale = max(z[2], z[3], 1.0)
        r = np.eye(4) * (self.r + 0.05 * scale) ** 2
        s = h @ self.p @ h.T + r
        k = self.p @ h.T @ np.linalg.inv(s)
        self.x = self.x + k @ (z - h @ self.x)
        self.p = (np.eye(8) - k @ h) @ self.p

    @property
    def box(self) -> Box:
        cx, cy, w, h = self.x[:4]
        return (float(cx - w / 2), float(cy - h / 2), float(cx + w / 2), float(cy + h / 2))

    @property
    def velocity(self) -> tuple[float, float]:
        return float(self.x[4]), float(self.x[5])


class IouKalmanTracker:
    """Tracks detections of every label (labels never mix within a track)."""

    def __init__(self, config: IouKalmanConfig | None = None) -> None:
        self.config = config or IouKalmanConfig()
        self._tracks: list[tuple[Track, _KalmanBox]] = []
        self._next_id = 1
        self._last_t: float | None = None
        self._lost: list[Track] = []

    @property
    def lost(self) -> list[Track]:
        """Tracks dropped at the last update."""
        return self._lost

    def update(self, detections: list[DetectionLike], t_s: float) -> list[Track]:
        """Match detections at stream time `t_s`; return confirmed tracks seen now."""
        cfg = self.config
        dt = 0.0 if self._last_t is None else max(t_s - self._last_t, 0.0)
        self._last_t = t_s
        for _, kf in self._tracks:
            kf.predict(dt)
        dets = [d for d in detections if d.score >= cfg.low_score]
        boxes = np.array([[float(v) for v in d.box] for d in dets]).reshape(-1, 4)
        scores = np.array([d.score for d in dets])
        unmatched_tracks = list(range(len(self._tracks)))
        matched_dets: set[int] = set()
        matched_tracks: set[int] = set()
        for high in (True, False):
            det_idx = [
                i
                for i in range(len(dets))
                if i not in matched_dets and ((scores[i] >= cfg.high_score) == high)
            ]
            if not det_idx or not unmatched_tracks:
                continue
            pred = np.array([self._tracks[j][1].box for j in unmatched_tracks])
            ious = iou_matrix(pred, boxes[det_idx])
            for j_pos, i_pos in zip(*linear_sum_assignment(-ious), strict=True):
                if ious[j_pos, i_pos] < cfg.match_iou:
                    continue
                det = dets[det_idx[i_pos]]
                if det.label != self._tracks[unmatched_tracks[j_pos]][0].label:
                    continue
                track, kf = self._tracks[unmatched_tracks[j_pos]]
                box: Box = tuple(float(v) for v in det.box)  # type: ignore[assignment]
                kf.correct(box)
                self._refresh(track, kf, box, det.score, t_s)
                matched_dets.add(det_idx[i_pos])
                matched_tracks.add(unmatched_tracks[j_pos])
            unmatched_tracks = [j for j in unmatched_tracks if j not in matched_tracks]
        for i, det in enumerate(dets):
            if i in matched_dets or scores[i] < cfg.high_score:
                continue
            new_box: Box = tuple(float(v) for v in det.box)  # type: ignore[assignment]
            track = Track(self._next_id, det.label, new_box, det.score, t_s, t_s)
            track.history.append((t_s, new_box))
            track.confirmed = cfg.min_hits <= 1
            self._next_id += 1
            self._tracks.append((track, _KalmanBox(new_box, cfg)))
        self._lost = []
        kept: list[tuple[Track, _KalmanBox]] = []
        for track, kf in self._tracks:
            if t_s - track.last_s > cfg.max_missed_s:
                if track.confirmed:
                    self._lost.append(track)
                continue
            if track.last_s < t_s:
                track.missed += 1
            kept.append((track, kf))
        self._tracks = kept
        return [t for t, _ in self._tracks if t.confirmed and t.last_s == t_s]

    def _refresh(self, track: Track, kf: _KalmanBox, box: Box, score: float, t_s: float) -> None:
        track.box = box  # the measured box: rules need it unsmoothed (falls are fast)
        track.score = score
        track.last_s = t_s
        track.hits += 1
        track.missed = 0
        track.velocity = kf.velocity
        track.history.append((t_s, track.box))
        if track.hits >= self.config.min_hits:
            track.confirmed = True
