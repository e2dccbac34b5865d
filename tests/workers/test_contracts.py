"""The BehaviourEvent wire contract (v1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from workers.contracts import INGEST_QUEUE, INGEST_TASK, BehaviourEvent, event_uuid

T0 = datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)


def make(**over: object) -> BehaviourEvent:
    data: dict = {
        "event_id": event_uuid("CAM-1", "fight", "fight", T0),
        "camera": "CAM-1",
        "type": "fight",
        "severity": "high",
        "score": 0.91,
        "started_at": T0,
        "ended_at": T0 + timedelta(seconds=4),
        "track_ids": [3, 7],
        "box": (10, 20, 200, 300),
    }
    data.update(over)
    return BehaviourEvent(**data)


def test_message_round_trip_is_json_with_version_and_iso_times() -> None:
    message = make().to_message()
    assert message["v"] == 1
    assert message["started_at"] == "2026-11-25T01:02:03Z"
    assert isinstance(message["event_id"], str)
    assert BehaviourEvent.from_message(message) == make()
    assert (INGEST_TASK, INGEST_QUEUE) == ("alerts.ingest", "ingest")


def test_event_ids_are_deterministic_per_incident() -> None:
    a = event_uuid("CAM-1", "fight", "fight", T0)
    assert a == event_uuid("CAM-1", "fight", "fight", T0 + timedelta(milliseconds=300))
    assert a != event_uuid("CAM-2", "fight", "fight", T0)
    assert a != event_uuid("CAM-1", "fall", "fight", T0)
    assert isinstance(a, uuid.UUID)


@pytest.mark.parametrize(
    "bad",
    [
        {"v": 2},
        {"type": "smoking"},
        {"score": 1.5},
        {"started_at": datetime(2026, 1, 1)},  # naive time
        {"ended_at": T0 - timedelta(seconds=1)},
        {"camera": ""},
        {"unexpected": 1},
    ],
)
def test_invalid_messages_are_rejected(bad: dict) -> None:
    message = make().to_message() | {
        k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in bad.items()
    }
    with pytest.raises(ValidationError):
        BehaviourEvent.from_message(message)
