"""A detector that replays scripted detections, frame after frame (pipeline tests, demos).

Config ``frames`` is a list with one entry per call to ``detect``; each entry is a list of
``{"label", "score", "box"}``. After the last entry it loops (``loop``) or returns nothing.
"""

from __future__ import annotations

import threading
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from workers.detectors.base import Detection, Detector, DetectorConfig, check_frame


class ScriptedBox(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = "person"
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    box: tuple[float, float, float, float]


class ScriptedConfig(DetectorConfig):
    frames: list[list[ScriptedBox]] = Field(default_factory=list)
    loop: bool = False


class ScriptedDetector(Detector):
    """Returns ``config.frames[i]`` on the i-th call, filtered by ``score_threshold``."""

    key: ClassVar[str] = "scripted"
    config: ScriptedConfig
    Config = ScriptedConfig

    def __init__(self, config: ScriptedConfig) -> None:
        self.config = config
        self.labels = tuple(sorted({b.label for frame in config.frames for b in frame}))
        self.calls = 0
        self._lock = threading.Lock()

    def detect(self, frame: np.ndarray) -> list[Detection]:
        check_frame(frame, max_pixels=self.config.max_pixels)
        with self._lock:
            index = self.calls
            self.calls += 1
        frames = self.config.frames
        if not frames or (index >= len(frames) and not self.config.loop):
            return []
        entries = frames[index % len(frames)]
        found = [
            Detection(b.label, b.score, b.box)
            for b in entries
            if b.score >= self.config.score_threshold
        ]
        return sorted(found, key=lambda d: -d.score)[: self.config.max_detections]
