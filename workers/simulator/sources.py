"""Where simulated cameras get their pictures: looped real clips or generated scenes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

DEFAULT_FOOTAGE = (
    Path(
        os.environ.get(
            "HAECHI_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"
        )
    )
    / "footage"
)
CLIP_KEYS = ("fight", "fall", "fire", "nonfight", "nofall", "pedestrian_video")


def footage_clips(root: Path = DEFAULT_FOOTAGE) -> list[Path]:
    """Clips from labels.json, interleaved by kind so N cameras show a mix ([] when absent)."""
    labels_path = root / "labels.json"
    if not labels_path.exists():
        return []
    labels = json.loads(labels_path.read_text())
    lists = [[root / p for p in labels.get(k, [])] for k in CLIP_KEYS]
    mixed: list[Path] = []
    for i in range(max((len(x) for x in lists), default=0)):
        mixed += [x[i] for x in lists if i < len(x) and x[i].exists() and x[i] not in mixed]
    return mixed


def clip_fps(path: Path, default: float = 25.0) -> float:
    """The clip's frame rate; `default` when the container gives none or an odd one."""
    cap = cv2.VideoCapture(str(path))
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0)
    cap.release()
    return fps if 1 <= fps <= 60 else default


def clip_frames(path: Path) -> tuple[float, Iterator[np.ndarray]]:
    """(fps, endless frames) of a clip, rewinding at the end."""
    fps = clip_fps(path)
    cap = cv2.VideoCapture(str(path))

    def frames() -> Iterator[np.ndarray]:
        nonlocal cap
        while True:
            ok, img = cap.read()
            if ok:
                yield img
                continue
            cap.release()
            cap = cv2.VideoCapture(str(path))
            ok, img = cap.read()
            if not ok:
                return
            yield img

    return fps, frames()


def generated_frames(
    seed: int, size: tuple[int, int] = (640, 360)
) -> tuple[float, Iterator[np.ndarray]]:
    """(fps, endless frames) of a synthetic street: a textured background and walking figures."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = np.full((h, w, 3), 70, np.uint8)
    for _ in range(60):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        colour = tuple(int(c) for c in rng.integers(40, 200, 3))
        cv2.rectangle(
            base, (x, y), (x + int(rng.integers(10, 80)), y + int(rng.integers(10, 80))), colour, -1
        )
    walkers = [
        (
            float(rng.uniform(0, w)),
            float(rng.uniform(h * 0.4, h * 0.9)),
            float(rng.uniform(-40, 40)),
        )
        for _ in range(3)
    ]

    def frames() -> Iterator[np.ndarray]:
        t = 0
        while True:
            img = base.copy()
            for x0, y0, vx in walkers:
                x = int((x0 + vx * t / 10) % w)
                cv2.rectangle(img, (x, int(y0) - 60), (x + 20, int(y0)), (220, 220, 220), -1)
            t += 1
            yield img

    return 10.0, frames()
