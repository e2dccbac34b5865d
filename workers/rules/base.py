"""Rule interface, per-frame context and the event aggregator (cooldown/dedupe).

A rule looks at one analysed frame (`FrameContext`) and returns `Hit`s: "the behaviour is visible
now". The `EventAggregator` turns a run of hits with the same (type, key) into ONE event: it opens
when hits have lasted `min_duration_s`, extends while hits keep coming within `merge_gap_s`, and
closes after the gap, so one incident is one event, not hundreds.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from workers.contracts import EventType, Severity
from workers.rules.geometry import Box, Zone, union_box
from workers.stream.sampling import downscale
from workers.tracking.base import Track

EVENT_TYPES: tuple[str, ...] = get_args(EventType)


class RuleSchedule(BaseModel):
    """When a rule is active, in the camera's local time (e.g. a park at night: 22 → 6).

    `from_hour` == `to_hour` means all day; a window that wraps midnight belongs to the day it
    starts on. Without a wall clock (files analysed offline) every rule is active.
    """

    model_config = ConfigDict(extra="forbid")

    from_hour: int = Field(default=0, ge=0, le=23, description="local hour the rule turns on")
    to_hour: int = Field(default=0, ge=0, le=24, description="local hour it turns off")
    days: list[int] = Field(
        default_factory=lambda: list(range(7)),
        min_length=1,
        max_length=7,
        description="weekdays it starts on, 0 = Monday",
    )
    timezone: str = Field(default="Asia/Seoul", max_length=64)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("days are 0 (Monday) … 6 (Sunday)")
        return sorted(set(value))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    def active(self, wall: datetime | None) -> bool:
        """Whether the rule runs at `wall` (an aware datetime; None = always)."""
        if wall is None:
            return True
        local = wall.astimezone(ZoneInfo(self.timezone))
        start, end, hour = self.from_hour, self.to_hour % 24, local.hour
        if start == end:
            return local.weekday() in self.days
        if start < end:
            return start <= hour < end and local.weekday() in self.days
        if hour >= start:
            return local.weekday() in self.days
        return hour < end and (local.weekday() - 1) % 7 in self.days


class RuleConfig(BaseModel):
    """Parameters every rule has; plugins extend this with their own bounded fields."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    severity: Severity = "medium"
    min_duration_s: float = Field(
        default=0.0, ge=0, le=3600, description="hits must last this long before an event"
    )
    merge_gap_s: float = Field(
        default=5.0, ge=0, le=3600, description="hits closer than this are one event"
    )
    zones: list[str] = Field(default_factory=list, description="zone names; empty = whole frame")
    schedule: RuleSchedule | None = Field(default=None, description="active hours; None = always")


@dataclass
class FrameContext:
    """Everything a rule may look at for one analysed frame.

    Pass the same `shared` dict with every frame of a camera (the pipeline does): the fall rule's
    optical flow keeps the previous frame there and sees no motion without it.
    """

    camera: str
    t_s: float
    image: np.ndarray
    tracks: list[Track]
    lost: list[Track] = field(default_factory=list)
    detected: bool = True  # False when the motion gate skipped the detector
    finds_people: bool = True  # False when no person detector runs at all (rules-only analysis)
    wall: datetime | None = None
    zones: dict[str, Zone] = field(default_factory=dict)
    stream_flags: set[str] = field(default_factory=set)  # "frozen", "stalled", "failed"
    cache: dict[str, Any] = field(default_factory=dict)  # this frame only
    shared: dict[str, Any] = field(default_factory=dict)  # kept across this camera's frames

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frame."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    def small(self, width: int) -> np.ndarray:
        """The frame resized to `width` pixels wide (BGR), computed once per frame and width."""
        key = f"small:{width}"
        if key not in self.cache:
            self.cache[key] = downscale(self.image, width)
        small: np.ndarray = self.cache[key]
        return small

    def people(self) -> list[Track]:
        """Person tracks in this frame."""
        return [t for t in self.tracks if t.label == "person"]


@dataclass(frozen=True)
class Hit:
    """A rule's observation that its behaviour is visible at `t_s`."""

    type: str
    t_s: float
    score: float
    track_ids: tuple[int, ...] = ()
    box: Box | None = None
    key: str = ""  # what makes two hits the same incident (zone, track, cause)
    detail: str = ""


@dataclass
class BehaviourEvent:
    """One incident: a run of hits of one type and key."""

    type: str
    start_s: float
    end_s: float
    score: float
    track_ids: list[int]
    box: Box | None
    severity: Severity = "medium"
    key: str = ""
    detail: str = ""
    confirmed: bool = False
    snapshot: np.ndarray | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The `analyze --json` line (DESIGN.md §3)."""
        return {
            "type": self.type,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "score": round(float(self.score), 4),
            "track_ids": sorted(self.track_ids),
            "box": None if self.box is None else [round(float(v), 1) for v in self.box],
        }


class Rule(abc.ABC):
    """A behaviour plugin: subclass, set `key` and `config_model`, implement `process`."""

    key: ClassVar[str]
    event_type: ClassVar[str]
    config_model: ClassVar[type[RuleConfig]] = RuleConfig

    def __init__(self, config: RuleConfig) -> None:
        self.config = config

    @abc.abstractmethod
    def process(self, ctx: FrameContext) -> list[Hit]:
        """Look at one analysed frame; return hits (may keep state between frames)."""

    def flush(self) -> list[Hit]:
        """Hits from what is still held at the end of a stream or window (most rules: none)."""
        return []

    @classmethod
    def needs_zones_ok(cls, config: RuleConfig) -> bool:
        """False for zone rules configured without zones (they stay off)."""
        return True

    def zones(self, ctx: FrameContext) -> list[Zone]:
        """The zones this rule watches (unknown names are ignored)."""
        return [ctx.zones[n] for n in self.config.zones if n in ctx.zones]


class EventAggregator:
    """Merges hits into events; returns events when they close.

    Live use: `just_confirmed` collects events the moment they are confirmed (still open), so an
    alert need not wait for the incident to end; the same object is later returned on close.
    """

    def __init__(self, configs: dict[str, RuleConfig]) -> None:
        self.configs = configs
        self._open: dict[tuple[str, str], tuple[BehaviourEvent, float]] = {}
        self.just_confirmed: list[BehaviourEvent] = []  # drained by live publishers

    def add(
        self, hits: list[Hit], t_s: float, image: np.ndarray | None = None
    ) -> list[BehaviourEvent]:
        """Feed this frame's hits at stream time `t_s`; return events that closed."""
        for hit in hits:
            cfg = self.configs.get(hit.type, RuleConfig())
            slot = (hit.type, hit.key)
            current = self._open.get(slot)
            if current is not None and hit.t_s - current[1] <= cfg.merge_gap_s:
                event = current[0]
                event.end_s = max(event.end_s, hit.t_s)
                event.track_ids = sorted(set(event.track_ids) | set(hit.track_ids))
                if hit.score > event.score:
                    event.score, event.box, event.detail = hit.score, hit.box, hit.detail
                    if image is not None:
                        event.snapshot = image
                elif hit.box is not None and event.box is not None:
                    event.box = union_box([event.box, hit.box]) if hit.key else event.box
                self._open[slot] = (event, hit.t_s)
            else:
                event = BehaviourEvent(
                    type=hit.type,
                    start_s=hit.t_s,
                    end_s=hit.t_s,
                    score=hit.score,
                    track_ids=sorted(hit.track_ids),
                    box=hit.box,
                    severity=cfg.severity,
                    key=hit.key,
                    detail=hit.detail,
                    snapshot=image,
                )
                self._open[slot] = (event, hit.t_s)
            event = self._open[slot][0]
            if not event.confirmed and event.end_s - event.start_s >= cfg.min_duration_s:
                event.confirmed = True
                self.just_confirmed.append(event)
        closed: list[BehaviourEvent] = []
        for slot, (event, last) in list(self._open.items()):
            cfg = self.configs.get(slot[0], RuleConfig())
            if t_s - last > cfg.merge_gap_s:
                del self._open[slot]
                if event.confirmed:
                    closed.append(event)
        return closed

    def flush(self) -> list[BehaviourEvent]:
        """Close everything (end of stream or window)."""
        events = [e for e, _ in self._open.values() if e.confirmed]
        self._open.clear()
        return sorted(events, key=lambda e: e.start_s)

    @property
    def open_events(self) -> list[BehaviourEvent]:
        """Confirmed events still open (for live publishing)."""
        return [e for e, _ in self._open.values() if e.confirmed]
