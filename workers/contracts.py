"""Versioned wire models shared by the workers and the backend (the only module backend imports).

Two flows cross the boundary:

- events, worker → backend: `BehaviourEvent` (below);
- the live path, backend ↔ video hosts, through Redis: the backend writes the camera set the hosts
  must watch (`VIDEO_CAMERAS_KEY`, a hash of camera code → `CameraSpec` JSON); each host writes
  what it is doing per camera (`analysis_key(code)` → `CameraAnalysis` JSON, expiring when the
  host stops refreshing it). `validate_rule_settings` lets the backend check a behaviour's
  settings with the rule plugin's own typed config before it stores them.

A `BehaviourEvent` travels as JSON (``model_dump(mode="json")``) in the single argument of the
Celery task named `INGEST_TASK` on queue `INGEST_QUEUE`. `v` is the contract version: additive
optional fields keep v=1; renames or meaning changes bump it. `event_id` is deterministic
(uuid5 of camera, type, incident key and start second), so a window analysed twice after a
worker crash produces the same ids and the backend's idempotent ingest drops the duplicates.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

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
VIDEO_KEY_PREFIX = "haechi:video:"
VIDEO_CAMERAS_KEY = VIDEO_KEY_PREFIX + "cameras"  # hash: camera code → CameraSpec JSON
ANALYSIS_KEY_PREFIX = VIDEO_KEY_PREFIX + "analysis:"  # string per camera: CameraAnalysis JSON
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
# Behaviours a camera's rule settings may name (offline is the host's own, not configurable).
BEHAVIOURS: tuple[str, ...] = tuple(t for t in get_args(EventType) if t != "offline")


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


class CameraSpec(BaseModel):
    """What a video host needs to watch one camera (backend → hosts, in `VIDEO_CAMERAS_KEY`).

    `scene` is the camera's zones and rule settings in the workers' SceneConfig shape:
    ``{"zones": [{"name", "polygon": [[x, y], ...], "normalized": true}],
    "rules": {behaviour: {settings..., "zones": [names], "schedule": {...}}}}``.
    A host compares the whole spec: any change (URL, zones, settings) reaches the camera's
    pipeline without restarting the host.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=1, max_length=2048)
    scene: dict[str, Any] = Field(default_factory=dict, description="SceneConfig data")
    detector: str | None = Field(default="person", description="detector plugin key or None")
    district: str | None = Field(default=None, max_length=64, description="for logs only")


class CameraAnalysis(BaseModel):
    """What a host reports about one camera it watches (hosts → backend, `analysis_key`).

    The key expires `ANALYSIS_TTL_FACTOR` lease TTLs after the host last refreshed it, so a
    camera no host watches has no analysis (the API shows null).
    """

    model_config = ConfigDict(extra="ignore")

    camera: str = Field(min_length=1, max_length=64)
    host: str = Field(min_length=1, max_length=200)
    since: AwareDatetime = Field(description="when this host took the camera")
    fps: float = Field(ge=0, description="frames analysed per second, recent")
    last_frame_at: AwareDatetime | None = Field(default=None, description="newest analysed frame")
    skipped_fraction: float = Field(
        default=0.0, ge=0, le=1, description="sampled frames the motion gate kept from the detector"
    )
    lag_s: float = Field(default=0.0, ge=0, description="how far analysis trails the stream")
    error: str | None = Field(default=None, max_length=500, description="why it is not watched")
    updated_at: AwareDatetime

    @property
    def state(self) -> Literal["watched", "error"]:
        """`error` while the host cannot get frames (connecting, stalled, garbage)."""
        return "error" if self.error else "watched"


ANALYSIS_TTL_FACTOR = 2.0


def analysis_key(code: str) -> str:
    """The Redis key of a camera's `CameraAnalysis`."""
    return f"{ANALYSIS_KEY_PREFIX}{code}"


def validate_rule_settings(behaviour: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Check one behaviour's settings with the rule plugin's own config; returns them as given.

    Raises `ValueError` with a readable message (unknown behaviour, unknown or out-of-range
    setting). The rule plugins load lazily, so importing this module stays cheap.
    """
    from pydantic import ValidationError

    from workers.rules.registry import rule_classes

    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}; one of {', '.join(BEHAVIOURS)}")
    config_model = rule_classes()[behaviour].config_model
    try:
        config_model.model_validate(settings)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or behaviour}: {e['msg']}" for e in err.errors()
        )
        raise ValueError(f"{behaviour} settings: {problems}") from err
    return settings
