"""Frames for INT8 calibration: real video frames from ../shared/data/footage when present,
otherwise scenes generated here (deterministic). The Penn-Fudan photos are deliberately not
used, so accuracy measured on them stays independent of calibration.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from workers.models.paths import footage_dir

log = logging.getLogger(__name__)

# Folders of real clips (CCTV, lab, store/corridor previews) sampled for calibration.
CALIBRATION_FOLDERS = ("pedestrians/video", "nonfight", "fight", "nofall", "fall", "fire")
VIDEO_SUFFIXES = {".mp4", ".avi", ".gif", ".mkv", ".mov"}


def _footage_videos(root: Path | None) -> list[Path]:
    """The calibration folders' video files, sorted (none without footage)."""
    if root is None:
        return []
    return sorted(
        p
        for folder in CALIBRATION_FOLDERS
        if (root / folder).is_dir()
        for p in (root / folder).iterdir()
        if p.suffix.lower() in VIDEO_SUFFIXES
    )


def _clip_frames(path: Path, per_clip: int) -> Iterator[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    try:
        frames: list[np.ndarray] = []
        while len(frames) < 400:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        cap.release()
    if not frames:
        return
    for i in np.linspace(0, len(frames) - 1, num=min(per_clip, len(frames))).astype(int):
        yield frames[i]


def footage_frames(limit: int, root: Path | None = None) -> list[np.ndarray]:
    """Up to ``limit`` BGR frames spread over the real clips (empty when there is no footage)."""
    clips = _footage_videos(root or footage_dir())
    if not clips:
        return []
    per_clip = max(1, -(-limit // len(clips)))
    frames: list[np.ndarray] = []
    # Interleave clip order so a small limit still spans every folder.
    for clip in clips[::2] + clips[1::2]:
        frames.extend(_clip_frames(clip, per_clip))
        if len(frames) >= limit:
            break
    return frames[:limit]


def synthetic_frames(limit: int, seed: int = 0) -> list[np.ndarray]:
    """Deterministic street-like scenes: gradients, textures, blobs and upright figures."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(limit):
        h, w = int(rng.choice([360, 480, 720])), int(rng.choice([480, 640, 960, 1280]))
        top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        ramp = np.linspace(0, 1, h)[:, None, None]
        img = (top * (1 - ramp) + bottom * ramp).repeat(w, axis=1)
        img = img + rng.normal(0, rng.uniform(2, 25), (h, w, 3))
        for _ in range(int(rng.integers(3, 15))):
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            color = tuple(int(c) for c in rng.integers(0, 256, 3))
            size = int(rng.integers(5, max(6, h // 3)))
            if rng.random() < 0.5:
                cv2.rectangle(img, (x, y), (x + size, y + size // 2), color, -1)
            else:
                cv2.ellipse(img, (x, y), (size, size // 3), 0, 0, 360, color, -1)
        for _ in range(int(rng.integers(0, 5))):  # upright figures: head, torso, legs
            ph = int(rng.integers(20, h // 2))
            x, y = int(rng.integers(0, w - ph // 3)), int(rng.integers(0, h - ph))
            color = tuple(int(c) for c in rng.integers(0, 200, 3))
            cv2.circle(img, (x + ph // 6, y + ph // 12), max(2, ph // 12), color, -1)
            cv2.rectangle(img, (x, y + ph // 6), (x + ph // 3, y + ph * 3 // 5), color, -1)
            cv2.rectangle(img, (x + 1, y + ph * 3 // 5), (x + ph // 3 - 1, y + ph), color, -1)
        frames.append(cv2.GaussianBlur(np.clip(img, 0, 255).astype(np.uint8), (3, 3), 0))
    return frames


def calibration_frames(limit: int) -> tuple[list[np.ndarray], str]:
    """``(frames, source)`` where source is ``"footage"`` or ``"synthetic"``."""
    frames = footage_frames(limit)
    if len(frames) >= min(limit, 32):
        return frames, "footage"
    log.info("no development footage found; calibrating INT8 on generated frames")
    return synthetic_frames(limit), "synthetic"


def calibration_clips(
    limit: int, length: int, size: tuple[int, int], fps: float = 5.0
) -> tuple[list[list[np.ndarray]], str]:
    """``(clips, source)``: up to ``limit`` runs of ``length`` BGR frames ``fps`` apart, resized
    to ``size`` (width, height), for video models. Generated scenes drift sideways when there
    is no footage."""
    paths = _footage_videos(footage_dir())
    clips: list[list[np.ndarray]] = []
    for path in paths[:: max(1, len(paths) // limit)]:
        frames = _sampled(path, fps, length)
        if len(frames) == length:
            clips.append([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])
        if len(clips) >= limit:
            return clips, "footage"
    if len(clips) >= min(limit, 8):
        return clips, "footage"
    log.info("no development footage found; calibrating the video model on generated scenes")
    scenes = [cv2.resize(f, size) for f in synthetic_frames(limit)]
    return [[np.roll(f, 3 * k, axis=1) for k in range(length)] for f in scenes], "synthetic"


def _sampled(path: Path, fps: float, count: int) -> list[np.ndarray]:
    """The first ``count`` frames of a clip taken ``fps`` apart."""
    cap = cv2.VideoCapture(str(path))
    try:
        step = max(1, round((cap.get(cv2.CAP_PROP_FPS) or fps) / fps))
        frames: list[np.ndarray] = []
        index = 0
        while len(frames) < count:
            ok, frame = cap.read()
            if not ok:
                break
            if index % step == 0:
                frames.append(frame)
            index += 1
        return frames
    finally:
        cap.release()


def calibration_source() -> str:
    """Which source `calibration_frames` would use, without decoding anything."""
    root = footage_dir()
    if root and any((root / folder).is_dir() for folder in CALIBRATION_FOLDERS):
        return "footage"
    return "synthetic"
