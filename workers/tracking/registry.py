"""Tracker plugins by key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.tracking.base import Tracker


def create_tracker(key: str = "iou_kalman", config: Mapping[str, Any] | None = None) -> Tracker:
    """Build a tracker plugin from its key and a config mapping (validated by the plugin)."""
    if key == "iou_kalman":
        from workers.tracking.plugins.iou_kalman import IouKalmanConfig, IouKalmanTracker

        return IouKalmanTracker(IouKalmanConfig.model_validate(dict(config or {})))
    raise KeyError(f"unknown tracker {key!r}; known: iou_kalman")
