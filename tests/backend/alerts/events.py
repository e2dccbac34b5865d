"""Contract messages for tests (as a worker would publish them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 5, 1, 22, 0, tzinfo=UTC)


def event(camera: str, *, type: str = "fight", at_s: float = 0.0, **fields: Any) -> dict:
    start = T0 + timedelta(seconds=at_s)
    return {
        "v": 1,
        "event_id": str(uuid.uuid4()),
        "camera": camera,
        "type": type,
        "severity": "high",
        "score": 0.83,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=4)).isoformat(),
        "track_ids": [3, 7],
        "box": [10.0, 20.0, 110.0, 220.0],
        "snapshot": "snapshots/x.jpg",
        "clip": "clips/x.mp4",
        **fields,
    }
