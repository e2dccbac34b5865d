"""One watched camera inside a host: its decode thread, its pipeline, its evidence, its state.

A `CameraWatch` runs for as long as the host holds the camera's lease. It keeps one `Pipeline`
(tracks, dwell clocks, abandonment memory, fight clips) across reconnects and hours; a stream
that fails is reopened with backoff forever (offline events tell the agents), and a spec
change reaches it between two frames: new zones or rule settings swap the rules and keep the
stream and tracks; a new URL or detector reopens the stream with a fresh pipeline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.contracts import CameraAnalysis, CameraSpec
from workers.host.evidence import EventSink
from workers.media import MediaConfig
from workers.pipeline import FrameDetector, Pipeline, PipelineConfig
from workers.publish import Publisher
from workers.rules.base import BehaviourEvent as Incident
from workers.rules.base import EventAggregator
from workers.rules.registry import SceneConfig, build_rules, rule_configs
from workers.stream.av_decode import AvVideoStream, uses_av
from workers.stream.decode import Frame, NewestFrames, StreamConfig, StreamStatus, VideoStream
from workers.tracking.base import Track

log = logging.getLogger(__name__)

OFFLINE_AFTER_ATTEMPTS = 3  # failed reconnects in a row (0.5 + 1 + 2 s) before "offline"
FPS_WINDOW_S = 10.0
CAMERA_STATE_TYPES = frozenset({"tamper", "offline"})
IDLE_AFTER_S = 4.0  # no motion and no open incident this long: decode keyframes only  # the reported fps is measured over this many recent seconds
LIVE_STREAM = StreamConfig(
    max_reconnects=10_000, reconnect_initial_s=0.5, reconnect_max_s=15.0, read_timeout_s=5.0
)


class CameraWatch:
    """Watches one camera continuously in its own thread (see the module docstring)."""

    def __init__(
        self,
        spec: CameraSpec,
        *,
        host: str,
        detector: FrameDetector | None,
        publisher: Publisher,
        executor: Executor,
        media_dir: Path,
        detect_fps: float = 5.0,
        media: MediaConfig | None = None,
        stream: StreamConfig = LIVE_STREAM,
    ) -> None:
        self.spec, self.host, self.detector = spec, host, detector
        self.publisher, self.executor, self.media_dir = publisher, executor, media_dir
        self.media = media or MediaConfig()
        self.stream_config = stream.model_copy(update={"detect_fps": detect_fps})
        self.since = datetime.now(UTC)
        self.error: str | None = "connecting"
        self.frames = 0
        self.last_frame_at: datetime | None = None
        self.lag_s = 0.0
        self._failed_attempts = 0
        self.idle = False  # set by the camera's thread, read by its decode thread
        self._recent: deque[float] = deque()  # monotonic times of recently analysed frames
        self._next_spec: CameraSpec | None = None
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._lock = threading.Lock()  # guards _recent and _next_spec
        self._work = threading.Lock()  # pipeline and sink: frames vs stream-status callbacks
        self._origin = time.monotonic()
        self._wall_origin = datetime.now(UTC)
        self.pipeline = self._new_pipeline(spec)
        self.sink = self._new_sink()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"cam-{spec.code}")

    # -- control (host thread) --------------------------------------------------------------
    def start(self) -> CameraWatch:
        self._thread.start()
        return self

    def update(self, spec: CameraSpec) -> None:
        """Apply a changed spec between two frames (no-op when nothing changed)."""
        if spec == self.spec:
            return
        with self._lock:
            self._next_spec = spec
        if spec.url != self.spec.url or spec.detector != self.spec.detector:
            self._restart.set()  # the stream's stop callback ends the current stream

    def signal_stop(self) -> None:
        """Ask the camera to stop without waiting (a host stopping many cameras at once)."""
        self._stop.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching; open incidents are closed and published before this returns."""
        self._stop.set()
        self._thread.join(timeout)
        self.sink.wait(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def analysis(self) -> CameraAnalysis:
        """What the backend shows about this camera now."""
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] > FPS_WINDOW_S:
                self._recent.popleft()
            window = min(FPS_WINDOW_S, max(1e-3, now - self._origin))
            fps = len(self._recent) / window
        return CameraAnalysis(
            camera=self.spec.code,
            host=self.host,
            since=self.since,
            fps=round(fps, 2),
            last_frame_at=self.last_frame_at,
            skipped_fraction=round(self.pipeline.gate.stats.skipped_fraction, 4),
            lag_s=round(self.lag_s, 3),
            error=self.error,
            updated_at=datetime.now(UTC),
        )

    # -- the camera's thread ----------------------------------------------------------------
    def _new_pipeline(self, spec: CameraSpec) -> Pipeline:
        config = PipelineConfig(camera=spec.code, detector=spec.detector, prefetch=False)
        config.stream = self.stream_config
        detector = self.detector if spec.detector else None
        return Pipeline(
            config,
            SceneConfig.model_validate(spec.scene),
            detector=detector,
            wall_start=self._wall_origin,
        )

    def _new_sink(self) -> EventSink:
        return EventSink(
            camera=self.spec.code,
            worker=self.host,
            wall_start=self._wall_origin,
            publisher=self.publisher,
            executor=self.executor,
            media_dir=self.media_dir,
            media=self.media,
        )

    def _stopping(self) -> bool:
        return self._stop.is_set() or self._restart.is_set()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._restart.clear()
                self._watch_stream()
                if self._stop.is_set():
                    break
                with self._lock:
                    spec, self._next_spec = self._next_spec, None
                if spec is not None:  # a new URL or detector: a fresh pipeline for the new view
                    self._close_incidents()
                    self.spec = spec
                    self.pipeline = self._new_pipeline(spec)
                    self.sink = self._new_sink()
                elif not self._restart.is_set():
                    self._stop.wait(self.stream_config.reconnect_max_s)  # gave up: try again
        except Exception:
            self.error = "analysis failed (see the host log)"
            log.exception("camera %s: watch failed", self.spec.code)
        finally:
            self._close_incidents()

    def _watch_stream(self) -> None:
        options: dict[str, Any] = {
            "camera": self.spec.code,
            "on_status": self._on_status,
            "stop": self._stopping,
            "origin": self._origin,
        }
        if uses_av(self.spec.url):
            stream: VideoStream = AvVideoStream(
                self.spec.url, self.stream_config, idle=lambda: self.idle, **options
            )
        else:
            stream = VideoStream(self.spec.url, self.stream_config, **options)
        frames = NewestFrames(stream.frames(), depth=2)
        try:
            for frame in frames:
                self._apply_scene_change()
                self._process(frame)
                if self._stopping():
                    break
        finally:
            frames.close()
            if frames.dropped:
                log.info(
                    "camera %s: %d frames dropped, analysis behind", self.spec.code, frames.dropped
                )

    def _process(self, frame: Frame) -> None:
        with self._work:
            closed = self.pipeline.process(frame)
            people = self._people(self.pipeline.tracks)
            self._take_confirmed()
            self.sink.frame(frame.t_s, frame.image, people)
            for incident in closed:
                self.sink.closed(incident, frame.image, people)
            self.idle = self._quiet(frame.t_s)
        now = time.monotonic()
        with self._lock:
            self._recent.append(now)
            self.frames += 1
        self.lag_s = max(0.0, time.time() - frame.wall)
        self.last_frame_at = datetime.fromtimestamp(frame.wall, UTC)
        self.error = None

    def _quiet(self, t_s: float) -> bool:
        """Nothing moved for IDLE_AFTER_S and no behaviour incident is open (people standing
        still are still seen on keyframes; whatever they start doing moves, and full decoding
        resumes). Camera-state incidents (tamper, offline) need no full frame rate."""
        last = self.pipeline.gate.last_motion_s
        if last is None or t_s - last < IDLE_AFTER_S:
            return False
        return all(e.type in CAMERA_STATE_TYPES for e in self.pipeline.aggregator.open_events)

    def _on_status(self, status: StreamStatus, t_s: float, detail: str) -> None:
        """Stream news (decode thread): errors for the backend, offline/tamper for the rules.

        A camera that cannot be reached for `OFFLINE_AFTER_ATTEMPTS` reconnects in a row counts
        as failed, so a camera that never connects raises its offline event too. Incidents
        confirmed here go out at once: no frames will arrive to wait for.
        """
        if status in (StreamStatus.RECONNECTING, StreamStatus.STALLED, StreamStatus.FAILED):
            self.error = f"{status.value}: {detail}"[:500]
        if status == StreamStatus.OPENED:
            self._failed_attempts = 0
        elif status == StreamStatus.RECONNECTING:
            self._failed_attempts += 1
            if self._failed_attempts >= OFFLINE_AFTER_ATTEMPTS:
                status, detail = StreamStatus.FAILED, f"unreachable: {detail}"
        with self._work:
            for incident in self.pipeline.status(status, t_s, detail):
                self._emit_closed(incident)
            self._take_confirmed(at_once=True)

    def _take_confirmed(self, *, at_once: bool = False) -> None:
        for incident in self.pipeline.aggregator.just_confirmed:
            if at_once:
                self._emit_closed(incident)
            else:
                self.sink.confirmed(incident)
        self.pipeline.aggregator.just_confirmed.clear()

    def _emit_closed(self, incident: Incident) -> None:
        people = self._people(self.pipeline.tracks)
        self.sink.closed(incident, self.pipeline.last_image, people)

    def _apply_scene_change(self) -> None:
        """New zones or rule settings: close what the old rules held, swap in the new rules."""
        with self._lock:
            spec = self._next_spec
            if spec is None or spec.url != self.spec.url or spec.detector != self.spec.detector:
                return
            self._next_spec = None
            if spec == self.spec:  # set again while a restart applied it: nothing changed
                return
        scene = SceneConfig.model_validate(spec.scene)
        rules = build_rules(scene)
        with self._work:
            for incident in self.pipeline.finish():
                self._emit_closed(incident)
            self.pipeline.scene = scene
            self.pipeline.rules = rules
            self.pipeline.aggregator = EventAggregator(rule_configs(rules))
            self.pipeline.zones = {z.name: z for z in scene.zones}
            self.spec = spec
        log.info("camera %s: zones and rule settings updated", spec.code)

    def _close_incidents(self) -> None:
        try:
            with self._work:
                for incident in self.pipeline.finish():
                    self._emit_closed(incident)
                self.sink.flush(self.pipeline.last_image, self._people(self.pipeline.tracks))
        except Exception:
            log.exception("camera %s: closing incidents failed", self.spec.code)

    @staticmethod
    def _people(tracks: list[Track]) -> list[tuple[float, float, float, float]]:
        return [t.box for t in tracks if t.label == "person"]
