"""One time-boxed analysis window of one camera, under a lease (called by tasks.py).

Acquire the camera's lease → renew it every TTL/3 in a heartbeat thread → run the pipeline on
the stream until the window ends, the stream fails or the lease is lost → for every event store
media (snapshot JPEG, clip MP4, faces and heads blurred) and publish the contract message → release.

Media are written and events published by one background thread per window, in confirmation
order: blurring faces in a clip takes about a second, and the stream must keep being read
meanwhile. The window waits for that thread before it ends, so no confirmed event is dropped.
Clip frames are the bulky part of a queued event (about 35 MB at 640 px): when
`MediaConfig.max_pending_clips` queued events already hold theirs, the next event is stored and
published with its snapshot only, so a burst of events cannot grow the worker's memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workers.contracts import BehaviourEvent, event_uuid
from workers.leases import CameraSpec, Leases
from workers.media import BufferedFrame, FrameRing, MediaConfig, snapshot_jpeg, write_clip_frames
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
    clips_skipped: int = 0  # events stored without a clip: the media thread was behind
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
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"media-{spec.code}")
    pending: list[Future[bool]] = []
    queued_clips: list[Future[bool]] = []  # jobs holding clip frames, maybe not started yet
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
            image = incident.snapshot if incident.snapshot is not None else pipeline.last_image
            people = [t.box for t in pipeline.tracks if t.label == "person"]
            frames = _clip_frames_if_room(incident, ring, queued_clips, media, result)
            job = MediaJob(event, image, people, frames)
            pending.append(writer.submit(_store_and_publish, job, publisher, media_dir, media))
            if frames:
                queued_clips.append(pending[-1])

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
        writer.shutdown(wait=True)  # every confirmed event is stored and published first
        result.published = sum(f.result() for f in pending if f.exception() is None)
        heartbeat.stopped.set()
        if result.status != "lease_lost":
            leases.release(spec.code, owner)
        result.seconds = round(time.monotonic() - started, 3)
    log.info("window %s", result.as_dict())
    failures = [err for err in (f.exception() for f in pending) if err is not None]
    if failures:  # a publishing bug fails the task loudly, after every other event went out
        raise RuntimeError(f"camera {spec.code}: {len(failures)} events not published") from (
            failures[0]
        )
    return result


def _clip_frames_if_room(
    incident: Incident,
    ring: FrameRing,
    queued: list[Future[bool]],
    media: MediaConfig,
    result: WindowResult,
) -> list[BufferedFrame]:
    """The incident's clip frames, or none (counted, warned once) when `max_pending_clips` jobs
    with clips still wait for the media thread; `queued` keeps only those not started yet."""
    queued[:] = [f for f in queued if not (f.running() or f.done())]  # Future state is locked
    if len(queued) < media.max_pending_clips:
        return ring.clip_frames(incident.start_s, incident.end_s)
    if not result.clips_skipped:
        log.warning(
            "camera %s: %d clips wait for the media thread; storing events without a clip",
            result.camera,
            len(queued),
        )
    result.clips_skipped += 1
    return []


@dataclass(frozen=True)
class MediaJob:
    """What the media thread needs for one event, captured when it is sent."""

    event: BehaviourEvent
    image: Any  # the snapshot frame (np.ndarray) or None
    person_boxes: Sequence[Sequence[float]]
    clip_frames: Sequence[BufferedFrame]


def _store_and_publish(
    job: MediaJob, publisher: Publisher, media_dir: Path, media: MediaConfig
) -> bool:
    """Write the event's media, then publish it; True when the broker took it."""
    return publisher.publish(_attach_media(job, media_dir, media))


def _attach_media(job: MediaJob, media_dir: Path, media: MediaConfig) -> BehaviourEvent:
    """Write snapshot and clip next to each other; failures only cost the media."""
    event = job.event
    folder = media_dir / event.camera / event.started_at.strftime("%Y%m%d")
    snapshot = clip = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if job.image is not None:
            path = folder / f"{event.event_id}.jpg"
            path.write_bytes(
                snapshot_jpeg(
                    job.image,
                    event_box=event.box,
                    label=event.type,
                    person_boxes=job.person_boxes,
                    config=media,
                )
            )
            snapshot = str(path)
        clip_path = folder / f"{event.event_id}.mp4"
        if write_clip_frames(clip_path, job.clip_frames, media):
            clip = str(clip_path)
    except (OSError, ValueError) as err:
        log.warning("camera %s: media for %s failed: %s", event.camera, event.event_id, err)
    return event.model_copy(update={"snapshot": snapshot, "clip": clip})
