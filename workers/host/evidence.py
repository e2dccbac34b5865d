"""From a confirmed incident to a published contract event with its snapshot and clip.

`EventSink` belongs to one camera: it keeps that camera's recent frames (`FrameRing`), holds each
confirmed incident until `MediaConfig.post_s` more seconds are buffered, then hands the event to
the host's media executor, which writes the blurred snapshot and clip and publishes the contract
message. Blurring a clip takes about a second, so the camera's own thread never waits for it.
Clip frames are the bulky part of a queued event (about 35 MB at 640 px): when
`MediaConfig.max_pending_clips` of this camera's events still wait with theirs, the next event goes
out with its snapshot only, so a burst of events cannot grow the host's memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from workers.contracts import BehaviourEvent, event_uuid
from workers.media import BufferedFrame, FrameRing, MediaConfig, snapshot_jpeg, write_clip_frames
from workers.publish import Publisher
from workers.rules.base import BehaviourEvent as Incident

log = logging.getLogger(__name__)


def to_contract(
    incident: Incident,
    *,
    camera: str,
    wall_start: datetime,
    worker: str,
    frame_size: tuple[int, int] | None,
) -> BehaviourEvent:
    """Pipeline incident (stream seconds since `wall_start`) → contract event."""
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


@dataclass(frozen=True)
class MediaJob:
    """What the media executor needs for one event, captured when it is sent."""

    event: BehaviourEvent
    image: Any  # the snapshot frame (np.ndarray) or None
    person_boxes: Sequence[Sequence[float]]
    clip_frames: Sequence[BufferedFrame]


def store_and_publish(
    job: MediaJob, publisher: Publisher, media_dir: Path, media: MediaConfig
) -> bool:
    """Write the event's media, then publish it; True when the broker took it."""
    return publisher.publish(attach_media(job, media_dir, media))


def attach_media(job: MediaJob, media_dir: Path, media: MediaConfig) -> BehaviourEvent:
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


@dataclass
class SinkStats:
    """What one camera's sink has done."""

    events: int = 0
    published: int = 0
    failed: int = 0
    clips_skipped: int = 0  # events stored without a clip: the media executor was behind


class EventSink:
    """One camera's evidence buffer and event outlet (see the module docstring)."""

    def __init__(
        self,
        *,
        camera: str,
        worker: str,
        wall_start: datetime,
        publisher: Publisher,
        executor: Executor,
        media_dir: Path,
        media: MediaConfig | None = None,
    ) -> None:
        self.camera, self.worker, self.wall_start = camera, worker, wall_start
        self.publisher, self.executor, self.media_dir = publisher, executor, media_dir
        self.media = media or MediaConfig()
        self.ring = FrameRing(self.media)
        self.stats = SinkStats()
        self._due: list[tuple[float, Incident]] = []
        self._sent: list[Incident] = []  # identity of incidents already sent (open ones too)
        self._queued_clips: list[Future[bool]] = []
        self._pending: list[Future[bool]] = []
        self._lock = threading.Lock()

    def frame(self, t_s: float, image: Any, person_boxes: Sequence[Sequence[float]]) -> None:
        """Buffer an analysed frame; send incidents whose post-event time is now buffered."""
        self.ring.add(t_s, image, person_boxes)
        for item in [d for d in self._due if d[0] <= t_s]:
            self._due.remove(item)
            self.send(item[1], image, person_boxes)

    def confirmed(self, incident: Incident) -> None:
        """An incident was just confirmed (still open): send it once `post_s` is buffered."""
        if not any(i is incident for _, i in self._due):
            self._due.append((incident.end_s + self.media.post_s, incident))

    def closed(
        self, incident: Incident, image: Any, person_boxes: Sequence[Sequence[float]]
    ) -> None:
        """An incident closed: send it now unless it already went out."""
        self._due = [d for d in self._due if d[1] is not incident]
        self.send(incident, image, person_boxes)

    def flush(self, image: Any, person_boxes: Sequence[Sequence[float]]) -> None:
        """Send everything still waiting for its post-event time (the camera is stopping)."""
        for _, incident in list(self._due):
            self.send(incident, image, person_boxes)
        self._due.clear()

    def send(self, incident: Incident, image: Any, person_boxes: Sequence[Sequence[float]]) -> None:
        """Queue the incident's media and publication on the executor (once per incident)."""
        if any(s is incident for s in self._sent):
            return
        self._sent.append(incident)
        self._sent = self._sent[-256:]
        self.stats.events += 1
        size = None if image is None else (int(image.shape[1]), int(image.shape[0]))
        event = to_contract(
            incident,
            camera=self.camera,
            wall_start=self.wall_start,
            worker=self.worker,
            frame_size=size,
        )
        snapshot = incident.snapshot if incident.snapshot is not None else image
        frames = self._clip_frames_if_room(incident)
        job = MediaJob(event, snapshot, list(person_boxes), frames)
        future = self.executor.submit(
            store_and_publish, job, self.publisher, self.media_dir, self.media
        )
        with self._lock:
            self._pending.append(future)
        future.add_done_callback(self._done)  # after: a job already done removes itself
        if frames:
            self._queued_clips.append(future)

    def wait(self, timeout: float | None = None) -> None:
        """Block until every queued event was stored and published (or failed)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.exception(timeout=timeout)

    def _done(self, future: Future[bool]) -> None:
        with self._lock:
            self._pending = [f for f in self._pending if f is not future]
            err = future.exception()
            if err is not None:
                self.stats.failed += 1
                log.error("camera %s: event not published: %s", self.camera, err)
            elif future.result():
                self.stats.published += 1

    def _clip_frames_if_room(self, incident: Incident) -> list[BufferedFrame]:
        """The incident's clip frames, or none (counted, warned once) when too many of this
        camera's clips still wait for the media executor."""
        self._queued_clips = [f for f in self._queued_clips if not (f.running() or f.done())]
        if len(self._queued_clips) < self.media.max_pending_clips:
            return self.ring.clip_frames(incident.start_s, incident.end_s)
        if not self.stats.clips_skipped:
            log.warning(
                "camera %s: %d clips wait for the media thread; storing events without a clip",
                self.camera,
                len(self._queued_clips),
            )
        self.stats.clips_skipped += 1
        return []
