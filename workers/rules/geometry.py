"""Image-space geometry for zones and boxes (pixels, x right, y down)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, Field, field_validator

Box = tuple[float, float, float, float]
Point = tuple[float, float]


class Zone(BaseModel):
    """A named polygon in image space; `normalized` coordinates are fractions of width/height."""

    name: str = Field(min_length=1, max_length=64)
    polygon: list[tuple[float, float]] = Field(min_length=3, max_length=256)
    normalized: bool = True

    @field_validator("polygon")
    @classmethod
    def _finite(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if not all(np.isfinite(v).all() for v in value):
            raise ValueError("polygon coordinates must be finite")
        return value

    def pixels(self, size: tuple[int, int]) -> np.ndarray:
        """Polygon in pixels for a frame of (width, height)."""
        pts = np.asarray(self.polygon, dtype=np.float64)
        if self.normalized:
            pts = pts * np.asarray(size, dtype=np.float64)
        return pts

    def contains(self, point: Point, size: tuple[int, int]) -> bool:
        """True when `point` (pixels) lies inside or on the zone."""
        return point_in_polygon(point, self.pixels(size))


def point_in_polygon(point: Point, polygon: np.ndarray) -> bool:
    """Even-odd ray casting; points on an edge count as inside."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if (
            abs(cross) < 1e-9
            and min(x1, x2) - 1e-9 <= x <= max(x1, x2) + 1e-9
            and min(y1, y2) - 1e-9 <= y <= max(y1, y2) + 1e-9
        ):
            return True
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return inside


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def union_box(boxes: Iterable[Sequence[float]]) -> Box | None:
    """Smallest box around all `boxes` (None when empty)."""
    items = list(boxes)
    if not items:
        return None
    return (
        float(min(b[0] for b in items)),
        float(min(b[1] for b in items)),
        float(max(b[2] for b in items)),
        float(max(b[3] for b in items)),
    )


def box_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """Gap between two boxes in pixels (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float((dx * dx + dy * dy) ** 0.5)
