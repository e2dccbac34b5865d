"""Versioned wire contract between the video workers and the backend (DESIGN.md §1, §6.5).

This is the only module of `workers/` that the backend may import. It depends on pydantic only.
A message is a JSON object; `v` selects the schema. Unknown versions, unknown fields and bad
values are refused with `ContractError` (the backend dead-letters them with the reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CONTRACT_VERSION = 1
EVENT_TYPES = (
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
)
SEVERITIES = ("info", "low", "medium", "high", "critical")

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


class ContractError(ValueError):
    """A message does not satisfy the contract; `reason` is a short machine-readable cause."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class BehaviourEvent(BaseModel):
    """One behaviour event seen by a worker on one camera (contract version 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    uuid: UUID = Field(description="Event id chosen by the worker; redelivery repeats it.")
    camera: str = Field(min_length=1, max_length=64, description="Camera registry code.")
    type: EventType
    severity: Severity = "medium"
    score: float = Field(ge=0.0, le=1.0)
    start: datetime = Field(description="ISO 8601 with timezone.")
    end: datetime | None = None
    track_ids: list[int] = Field(default_factory=list, max_length=256)
    box: tuple[float, float, float, float] | None = Field(
        default=None, description="x1, y1, x2, y2 in original pixel coordinates."
    )
    snapshot: str | None = Field(default=None, max_length=512, description="Snapshot reference.")
    clip: str | None = Field(default=None, max_length=512, description="Clip reference.")

    @model_validator(mode="after")
    def _check(self) -> BehaviourEvent:
        if self.start.tzinfo is None or (self.end is not None and self.end.tzinfo is None):
            raise ValueError("start/end must carry a timezone")
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        if self.box is not None and not (self.box[0] <= self.box[2] and self.box[1] <= self.box[3]):
            raise ValueError("box must be x1 <= x2 and y1 <= y2")
        return self

    def to_message(self) -> dict[str, Any]:
        """JSON-ready dict for the Celery task `alerts.ingest`."""
        return self.model_dump(mode="json")


def parse_event(payload: dict[str, Any]) -> BehaviourEvent:
    """Validate one message; raise ContractError (reason malformed / unknown_version)."""
    if not isinstance(payload, dict):
        raise ContractError(
            f"message must be a JSON object, got {type(payload).__name__}", reason="malformed"
        )
    version = payload.get("v")
    if version != CONTRACT_VERSION:
        raise ContractError(
            f"unknown contract version {version!r}; this backend speaks v{CONTRACT_VERSION}",
            reason="unknown_version",
        )
    try:
        return BehaviourEvent.model_validate(payload)
    except ValidationError as err:
        raise ContractError(f"invalid event: {err}", reason="malformed") from err
