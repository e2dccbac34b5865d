"""Persistent track ids across frames (plugins: see registry.py)."""

from workers.tracking.base import DetectionLike, Track, Tracker
from workers.tracking.registry import create_tracker

__all__ = ["DetectionLike", "Track", "Tracker", "create_tracker"]
