"""The flow on one screen: stream → motion gate → detector → tracker → rules → events.

    stream = VideoStream(url, config.stream)               # decode, sample at detect fps
    for frame in stream.frames():
        gate = motion_gate.check(frame)                     # idle scenes skip the detector
        detections = detector.detect(frame) if gate.open    # person boxes (+ motion blobs)
        tracks = tracker.update(detections, t)              # persistent ids, velocity
        hits = [rule.process(context) for rule in rules]    # behaviours visible now
        events = aggregator.add(hits)                       # one incident = one event

`Pipeline.run()` yields closed events; `python -m workers analyze` and the Celery video task
both use it. The detector is anything with `detect(frame) -> list[Detection-like]`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field

from workers.rules.base import BehaviourEvent, EventAggregator, FrameContext, Hit, Rule
from workers.rules.registry import SceneConfig, build_rules, rule_configs
from workers.stream.decode import Frame, StreamConfig, StreamStatus, VideoStream, prefetched
from workers.stream.foreground import ForegroundBlobs, ForegroundConfig
from workers.stream.sampling import MotionGate, MotionGateConfig, downscale
from workers.tracking.base import DetectionLike, Track
from workers.tracking.registry import create_tracker

log = logging.getLogger(__name__)


class FrameDetector(Protocol):
    """What the pipeline needs from a detector plugin."""

    def detect(self, frame: np.ndarray) -> list[Any]: ...


class PipelineConfig(BaseModel):
    """One camera's analysis settings."""

    camera: str = Field(default="local", max_length=64)
    stream: StreamConfig = Field(default_factory=StreamConfig)
    gate: MotionGateConfig = Field(default_factory=MotionGateConfig)
    detector: str | None = Field(default="person", description="detector plugin key or None")
    detector_config: dict[str, Any] = Field(default_factory=dict)
    detector_threads: int = Field(
        default=1,
        ge=0,
        le=64,
        description="inference threads when detector_config sets none (0 = all cores); one "
        "leaves the other core to the decode thread instead of both fighting over two",
    )
    motion_blobs: bool = Field(default=False, description="add background-subtraction blobs")
    foreground: ForegroundConfig = Field(default_factory=ForegroundConfig)
    prefetch: bool = Field(default=True, description="decode in a background thread")
    tracker: str = "iou_kalman"
    tracker_config: dict[str, Any] = Field(default_factory=dict)


@dataclass
class PipelineStats:
    """Where the time went and how much the gate saved."""

    frames: int = 0
    detected: int = 0
    events: int = 0
    bad_frames: int = 0
    rule_errors: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: {"decode": 0.0, "gate": 0.0, "detect": 0.0, "rules": 0.0}
    )
    stream_s: float = 0.0

    def as_dict(self, skipped_fraction: float) -> dict[str, Any]:
        """Plain summary for logs and benchmarks."""
        return {
            "frames": self.frames,
            "detected": self.detected,
            "events": self.events,
            "bad_frames": self.bad_frames,
            "rule_errors": self.rule_errors,
            "skipped_fraction": round(skipped_fraction, 4),
            "stream_s": round(self.stream_s, 3),
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
        }


def load_detector(config: PipelineConfig) -> FrameDetector | None:
    """The configured detector plugin, shared per process (compiled models are heavy)."""
    if not config.detector:
        return None
    from workers.detectors.registry import shared_detector

    settings = {"num_threads": config.detector_threads, **config.detector_config}
    detector: FrameDetector = shared_detector(config.detector, settings)
    return detector


class Pipeline:
    """Analyses one camera; feed frames with `process` or a whole stream with `run`."""

    def __init__(
        self,
        config: PipelineConfig | None = None,
        scene: SceneConfig | None = None,
        *,
        detector: FrameDetector | None = None,
        rules: list[Rule] | None = None,
        wall_start: datetime | None = None,
    ) -> None:
        self.config = config or PipelineConfig()
        self.scene = scene or SceneConfig()
        self.detector = detector
        self.rules = rules if rules is not None else build_rules(self.scene)
        self.aggregator = EventAggregator(rule_configs(self.rules))
        self.gate = MotionGate(self.config.gate)
        self.tracker = create_tracker(self.config.tracker, self.config.tracker_config)
        self.blobs = ForegroundBlobs(self.config.foreground) if self.config.motion_blobs else None
        self.zones = {z.name: z for z in self.scene.zones}
        self.flags: set[str] = set()
        self.shared: dict[str, Any] = {}  # state rules share across frames (e.g. optical flow)
        self.tracks: list[Track] = []
        self.stats = PipelineStats()
        self.wall_start = wall_start
        self.last_image: np.ndarray | None = None
        self.on_frame: Callable[[Frame, list[Track]], None] | None = None

    def _wall(self, t_s: float) -> datetime | None:
        if self.wall_start is None:
            return None
        return datetime.fromtimestamp(self.wall_start.timestamp() + t_s, self.wall_start.tzinfo)

    def process(self, frame: Frame) -> list[BehaviourEvent]:
        """Analyse one sampled frame; returns events that closed."""
        self.stats.frames += 1
        self.stats.stream_s = frame.t_s
        started = time.perf_counter()
        small = downscale(frame.image, self.config.gate.width)  # shared by gate and rules
        gate = self.gate.check(frame.image, frame.t_s, small=small)
        gated = time.perf_counter()
        lost: list[Track] = []
        if gate.open:
            detections: list[DetectionLike] = []
            if self.detector is not None:
                try:
                    detections.extend(self.detector.detect(frame.image))
                except ValueError as err:  # BadFrameError and friends: count, never crash
                    self.stats.bad_frames += 1
                    log.warning("camera %s: bad frame %d: %s", self.config.camera, frame.index, err)
            if self.blobs is not None:
                detections.extend(self.blobs.detect(frame.image))
            self.tracks = self.tracker.update(detections, frame.t_s)
            lost = self.tracker.lost
            self.stats.detected += 1
        elif self.blobs is not None:
            self.blobs.detect(frame.image)  # keep the background model current
        detected = time.perf_counter()
        ctx = FrameContext(
            camera=self.config.camera,
            t_s=frame.t_s,
            image=frame.image,
            tracks=self.tracks,
            lost=lost,
            detected=gate.open,
            finds_people=self.detector is not None,
            wall=self._wall(frame.t_s),
            zones=self.zones,
            stream_flags=set(self.flags),
            shared=self.shared,
            cache={f"small:{small.shape[1]}": small},
        )
        hits: list[Hit] = []
        for rule in self.rules:
            schedule = rule.config.schedule
            if schedule is not None and not schedule.active(ctx.wall):
                continue
            try:
                hits.extend(rule.process(ctx))
            except Exception:  # one broken rule or odd frame must not stop the camera
                self.stats.rule_errors += 1
                log.exception("camera %s: rule %s failed at %.2f s", ctx.camera, rule.key, ctx.t_s)
        events = self.aggregator.add(hits, frame.t_s, frame.image)
        done = time.perf_counter()
        self.stats.seconds["gate"] += gated - started
        self.stats.seconds["detect"] += detected - gated
        self.stats.seconds["rules"] += done - detected
        self.stats.events += len(events)
        self.last_image = frame.image
        if self.on_frame is not None:
            self.on_frame(frame, self.tracks)
        return events

    def status(self, status: StreamStatus, t_s: float, detail: str = "") -> list[BehaviourEvent]:
        """Stream status changes: frozen pictures feed tamper, stalls feed offline."""
        if status == StreamStatus.FROZEN:
            self.flags.add("frozen")
        elif status == StreamStatus.UNFROZEN:
            self.flags.discard("frozen")
        elif status in (StreamStatus.STALLED, StreamStatus.FAILED):
            flag = "failed" if status == StreamStatus.FAILED else "stalled"
            image = (
                self.last_image if self.last_image is not None else np.zeros((2, 2, 3), np.uint8)
            )
            ctx = FrameContext(self.config.camera, t_s, image, [], stream_flags=self.flags | {flag})
            hits = [h for r in self.rules if r.key == "offline" for h in r.process(ctx)]
            return self.aggregator.add(hits, t_s, self.last_image)
        elif status == StreamStatus.OPENED:
            self.flags -= {"stalled", "failed"}
        return []

    def finish(self) -> list[BehaviourEvent]:
        """Let rules score what they still hold, then close every open event (end of file or of
        a time window)."""
        hits: list[Hit] = []
        for rule in self.rules:
            try:
                hits.extend(rule.flush())
            except Exception:  # as in process(): one broken rule must not lose the others' events
                self.stats.rule_errors += 1
                log.exception("camera %s: rule %s failed to flush", self.config.camera, rule.key)
        closed = (
            self.aggregator.add(hits, max(h.t_s for h in hits), self.last_image) if hits else []
        )
        events = closed + self.aggregator.flush()
        self.stats.events += len(events)
        return events

    def run(
        self, url: str | Path, *, stop: Callable[[], bool] | None = None
    ) -> Iterator[BehaviourEvent]:
        """Analyse a stream until it ends, fails or `stop()` says so; yields closed events."""
        pending: list[BehaviourEvent] = []

        def on_status(status: StreamStatus, t_s: float, detail: str) -> None:
            pending.extend(self.status(status, t_s, detail))

        stream = VideoStream(
            url, self.config.stream, camera=self.config.camera, on_status=on_status, stop=stop
        )
        clock = time.perf_counter()
        frames = prefetched(stream.frames()) if self.config.prefetch else stream.frames()
        for frame in frames:
            self.stats.seconds["decode"] += time.perf_counter() - clock  # waiting for a frame
            yield from pending
            pending.clear()
            yield from self.process(frame)
            if stop is not None and stop():
                break
            clock = time.perf_counter()
        self.stats.bad_frames += stream.bad_frames
        yield from pending
        yield from self.finish()


def analyse_file(
    path: str | Path,
    *,
    scene: SceneConfig | None = None,
    config: PipelineConfig | None = None,
    detector: FrameDetector | None = None,
) -> tuple[list[BehaviourEvent], Pipeline]:
    """Run the whole pipeline on a file; returns events (by start time) and the pipeline."""
    config = config or PipelineConfig()
    if detector is None:
        detector = load_detector(config)
    pipeline = Pipeline(config, scene, detector=detector)
    events = sorted(pipeline.run(path), key=lambda e: (e.start_s, e.type))
    return events, pipeline
