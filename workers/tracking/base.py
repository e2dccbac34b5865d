"""Tracker interface and the Track record shared by the rules."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in original pixels


@runtime_checkable
class DetectionLike(Protocol):
    """Anything with a label, a score and a box (x1, y1, x2, y2) in original pixels."""

    @property
    def label(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def box(self) -> Box | tuple[float, ...] | list[float]: ...


@dataclass
class Track:
    """One object followed over time."""

    track_id: int
    label: str
    box: Box
    score: float
    first_s: float
    last_s: float
    hits: int = 1
    missed: int = 0
    velocity: tuple[float, float] = (0.0, 0.0)  # box centre, pixels per second
    history: deque[tuple[float, Box]] = field(default_factory=lambda: deque(maxlen=150))
    confirmed: bool = False

    @property
    def centre(self) -> tuple[float, float]:
        """Box centre in pixels."""
        x1, y1, x2, y2 = self.box
        return (x1 + x2) / 2, (y1 + y2) / 2

    @property
    def foot(self) -> tuple[float, float]:
        """Bottom centre of the box: where a person stands."""
        x1, _, x2, y2 = self.box
        return (x1 + x2) / 2, y2

    @property
    def height(self) -> float:
        """Box height in pixels."""
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        """Box width in pixels."""
        return self.box[2] - self.box[0]

    @property
    def speed(self) -> float:
        """Centre speed in pixels per second."""
        return float((self.velocity[0] ** 2 + self.velocity[1] ** 2) ** 0.5)

    @property
    def age_s(self) -> float:
        """Seconds since the track started."""
        return self.last_s - self.first_s


class Tracker(Protocol):
    """Assigns persistent ids; returns the tracks seen in this frame (confirmed ones)."""

    def update(self, detections: list[DetectionLike], t_s: float) -> list[Track]: ...

    @property
    def lost(self) -> list[Track]:
        """Tracks that ended at the last update (for rules that care about disappearance)."""
        ...
