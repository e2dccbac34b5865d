"""Versioned wire models shared by the workers and the backend (the only module backend imports).

A `BehaviourEvent` travels as JSON (``model_dump(mode="json")``) in the single argument of the
Celery task named `INGEST_TASK` on queue `INGEST_QUEUE`. `v` is the contract version: additive
optional fields keep v=1; renames or meaning changes bump it. `event_id` is deterministic
(uuid5 of camera, type, incident key and start second), so a window analysed twice after a
worker crash produces the same ids and the backend's idempotent ingest drops the duplicates.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

CONTRACT_VERSION = 1
INGEST_TASK = "alerts.ingest"
INGEST_QUEUE = "ingest"
# Ingest receipts: after storing an event the backend sets this key in the broker's Redis; a
# publisher re-sends an event that has no receipt a while after sending (the Redis transport
# can lose a message taken off the queue by a worker whose connection then breaks).
INGESTED_KEY_PREFIX = "haechi:ingested:"
INGESTED_TTL_S = 3 * 24 * 3600
VIDEO_QUEUE = "video"
EVENT_NAMESPACE = uuid.UUID("8f6c2b1e-61a4-4d52-9a53-1f0d7c1e4a01")

EventType = Literal[
    "intrusion",
    "loitering",
    "abandonment",
    "fight",
    "fall",
    "fire",
    "crowd",
    "running",
    "tamper",
    "offline",
]
Severity = Literal["info", "low", "medium", "high", "critical"]


class BehaviourEvent(BaseModel):
    """One behaviour incident seen by a camera (contract v1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    event_id: uuid.UUID
    camera: str = Field(min_length=1, max_length=64, description="camera code in the registry")
    type: EventType
    severity: Severity = "medium"
    score: float = Field(ge=0, le=1)
    started_at: AwareDatetime
    ended_at: AwareDatetime
    track_ids: list[int] = Field(default_factory=list, max_length=1000)
    box: tuple[float, float, float, float] | None = Field(
        default=None, description="x1, y1, x2, y2 in frame pixels"
    )
    frame_size: tuple[int, int] | None = Field(default=None, description="width, height")
    snapshot: str | None = Field(default=None, max_length=1024, description="JPEG reference")
    clip: str | None = Field(default=None, max_length=1024, description="MP4 reference")
    detail: str = Field(default="", max_length=500)
    worker: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> BehaviourEvent:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self

    def to_message(self) -> dict[str, Any]:
        """JSON-ready dict for the Celery task argument."""
        return self.model_dump(mode="json")

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> BehaviourEvent:
        """Validate an incoming message (raises pydantic.ValidationError)."""
        return cls.model_validate(data)


def event_uuid(camera: str, type_: str, key: str, started_at: datetime) -> uuid.UUID:
    """Deterministic event id: the same incident analysed twice gets the same id."""
    second = int(started_at.timestamp())
    return uuid.uuid5(EVENT_NAMESPACE, f"{camera}|{type_}|{key}|{second}")


def ingested_key(event_id: uuid.UUID | str) -> str:
    """The broker-Redis key of an event's ingest receipt."""
    return f"{INGESTED_KEY_PREFIX}{event_id}"
