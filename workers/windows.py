"""One time-boxed analysis window of one camera, under a lease (called by tasks.py).

Acquire the camera's lease → renew it every TTL/3 in a heartbeat thread → run the pipeline on
the stream until the window ends, the stream fails or the lease is lost → for every event store
media (snapshot JPEG, clip MP4, faces and heads blurred) and publish the contract message → release.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workers.contracts import BehaviourEvent, event_uuid
from workers.leases import CameraSpec, Leases
from workers.media import FrameRing, MediaConfig, snapshot_jpeg
from workers.pipeline import Pipeline, PipelineConfig, load_detector
from workers.publish import Publisher
from workers.rules.base import BehaviourEvent as Incident
from workers.rules.registry import SceneConfig
from workers.stream.decode import Frame
from workers.tracking.base import Track

log = logging.getLogger(__name__)


@dataclass
class WindowResult:
    """What one window did."""

    camera: str
    status: str  # "done", "busy", "lease_lost", "unknown_camera"
    frames: int = 0
    events: int = 0
    published: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Heartbeat(threading.Thread):
    """Renews the lease; sets `lost` when renewal fails."""

    def __init__(self, leases: Leases, code: str, owner: str, every_s: float) -> None:
        super().__init__(daemon=True, name=f"lease-{code}")
        self.leases, self.code, self.owner, self.every_s = leases, code, owner, every_s
        self.lost = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                if not self.leases.renew(self.code, self.owner):
                    self.lost.set()
                    return
            except Exception as err:  # Redis away: we cannot prove ownership any more
                log.warning("camera %s: lease renewal failed: %s", self.code, err)
                self.lost.set()
                return


def to_contract(
    incident: Incident,
    *,
    camera: str,
    wall_start: datetime,
    worker: str,
    frame_size: tuple[int, int] | None,
) -> BehaviourEvent:
    """Pipeline incident (stream seconds) → contract event (aware timestamps)."""
    started = wall_start + timedelta(seconds=incident.start_s)
    return BehaviourEvent(
        event_id=event_uuid(camera, incident.type, incident.key, started),
        camera=camera,
        type=incident.type,  # type: ignore[arg-type]
        severity=incident.severity,
        score=min(1.0, max(0.0, float(incident.score))),
        started_at=started,
        ended_at=wall_start + timedelta(seconds=incident.end_s),
        track_ids=sorted(incident.track_ids),
        box=incident.box,
        frame_size=frame_size,
        detail=incident.detail,
        worker=worker,
    )


def run_window(
    spec: CameraSpec,
    *,
    leases: Leases,
    owner: str,
    publisher: Publisher,
    window_s: float,
    media_dir: Path,
    detect_fps: float = 5.0,
    media: MediaConfig | None = None,
) -> WindowResult:
    """Analyse `spec` for up to `window_s` seconds if we can lease it."""
    if not leases.acquire(spec.code, owner):
        return WindowResult(spec.code, "busy")
    started = time.monotonic()
    heartbeat = _Heartbeat(leases, spec.code, owner, leases.ttl_ms / 3000)
    heartbeat.start()
    result = WindowResult(spec.code, "done")
    media = media or MediaConfig()
    try:
        config = PipelineConfig(camera=spec.code, detector=spec.detector)
        config.stream.detect_fps = detect_fps
        pipeline = Pipeline(
            config,
            SceneConfig.model_validate(spec.scene),
            detector=load_detector(config),
            wall_start=datetime.now(UTC),
        )
        ring = FrameRing(media)
        wall_start = pipeline.wall_start
        assert wall_start is not None
        due: list[tuple[float, Incident]] = []  # confirmed, published once post_s is buffered
        published: list[Incident] = []

        def send(incident: Incident) -> None:
            if any(p is incident for p in published):
                return
            published.append(incident)
            result.events += 1
            size = None
            if pipeline.last_image is not None:
                size = (int(pipeline.last_image.shape[1]), int(pipeline.last_image.shape[0]))
            event = to_contract(
                incident, camera=spec.code, wall_start=wall_start, worker=owner, frame_size=size
            )
            event = _attach_media(event, incident, ring, pipeline, media_dir, media)
            if publisher.publish(event):
                result.published += 1

        def remember(frame: Frame, tracks: list[Track]) -> None:
            ring.add(frame.t_s, frame.image, [t.box for t in tracks if t.label == "person"])
            due.extend((frame.t_s + media.post_s, e) for e in pipeline.aggregator.just_confirmed)
            pipeline.aggregator.just_confirmed.clear()
            for item in [d for d in due if d[0] <= frame.t_s]:
                due.remove(item)
                send(item[1])

        pipeline.on_frame = remember

        def stop() -> bool:
            return heartbeat.lost.is_set() or time.monotonic() - started >= window_s

        for incident in pipeline.run(spec.url, stop=stop):
            send(incident)  # closed before its post-event time was up (or never published)
        for _, incident in due:
            send(incident)
        result.frames = pipeline.stats.frames
        if heartbeat.lost.is_set():
            result.status = "lease_lost"
    finally:
        heartbeat.stopped.set()
        if result.status != "lease_lost":
            leases.release(spec.code, owner)
        result.seconds = round(time.monotonic() - started, 3)
    log.info("window %s", result.as_dict())
    return result


def _attach_media(
    event: BehaviourEvent,
    incident: Incident,
    ring: FrameRing,
    pipeline: Pipeline,
    media_dir: Path,
    media: MediaConfig,
) -> BehaviourEvent:
    """Write snapshot and clip next to each other; failures only cost the media."""
    folder = media_dir / event.camera / event.started_at.strftime("%Y%m%d")
    folder.mkdir(parents=True, exist_ok=True)
    snapshot = clip = None
    image = incident.snapshot if incident.snapshot is not None else pipeline.last_image
    try:
        if image is not None:
            people = [t.box for t in pipeline.tracks if t.label == "person"]
            path = folder / f"{event.event_id}.jpg"
            path.write_bytes(
                snapshot_jpeg(
                    image, event_box=event.box, label=event.type, person_boxes=people, config=media
                )
            )
            snapshot = str(path)
        clip_path = folder / f"{event.event_id}.mp4"
        if ring.write_clip(clip_path, incident.start_s, incident.end_s):
            clip = str(clip_path)
    except (OSError, ValueError) as err:
        log.warning("camera %s: media for %s failed: %s", event.camera, event.event_id, err)
    return event.model_copy(update={"snapshot": snapshot, "clip": clip})
