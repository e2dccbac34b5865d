"""Open RTSP/RTSPS/HTTP(MJPEG)/file streams with OpenCV, reconnect with backoff.

`VideoStream.frames()` yields sampled, decoded frames with a stream timestamp. Frames that are not
sampled are only grabbed (demuxed and decoded, but not converted to BGR), which is the cheap path.
Timestamps: frame index / fps for files (the container's clock is unreliable in many clips), a
monotonic clock for live streams. Live streams reconnect with exponential backoff; stalls (no
frame for `read_timeout_s`) and frozen
pictures (identical frames for `frozen_after_s`) are reported through `status`, never raised.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, Field

from workers.stream.sampling import FpsSampler, downscale

log = logging.getLogger(__name__)

LIVE_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


class StreamStatus(enum.StrEnum):
    """What a stream reports besides frames."""

    OPENED = "opened"
    RECONNECTING = "reconnecting"
    STALLED = "stalled"
    FROZEN = "frozen"
    UNFROZEN = "unfrozen"
    ENDED = "ended"
    FAILED = "failed"
    BAD_FRAME = "bad_frame"


class StreamConfig(BaseModel):
    """How a stream is opened, sampled and watched."""

    detect_fps: float = Field(default=5.0, gt=0, le=60, description="frames per second to analyse")
    reconnect_initial_s: float = Field(
        default=0.5, gt=0, le=60, description="first reconnect delay"
    )
    reconnect_max_s: float = Field(
        default=30.0, gt=0, le=600, description="longest reconnect delay"
    )
    max_reconnects: int = Field(
        default=8, ge=0, le=10_000, description="give up after this many tries"
    )
    open_timeout_s: float = Field(default=10.0, gt=0, le=120, description="FFmpeg open timeout")
    read_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="no frame this long = stalled (FFmpeg read timeout)"
    )
    frozen_after_s: float = Field(
        default=20.0, gt=0, le=3600, description="identical frames this long"
    )
    frozen_max_diff: float = Field(
        default=0.5,
        ge=0,
        le=10,
        description="mean abs grey difference below which frames are identical",
    )
    decode_threads: int = Field(
        default=1,
        ge=0,
        le=16,
        description="FFmpeg decoder threads (0 = FFmpeg's default, one per core); one keeps "
        "decoding on one core while inference uses the other",
    )
    max_duration_s: float | None = Field(
        default=None, gt=0, description="stop after this stream time"
    )


@dataclass(frozen=True)
class Frame:
    """One decoded, sampled frame."""

    index: int
    t_s: float
    image: np.ndarray
    wall: float = field(default_factory=time.time)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


def is_live(url: str) -> bool:
    """True for network streams (which reconnect), False for local files."""
    return url.lower().startswith(LIVE_SCHEMES)


StatusCallback = Callable[[StreamStatus, float, str], None]


class FrozenWatch:
    """Notices a picture that stops changing (a frozen encoder or a still image)."""

    def __init__(self, after_s: float, max_diff: float) -> None:
        self.after_s = after_s
        self.max_diff = max_diff
        self._last: np.ndarray | None = None
        self._since: float | None = None
        self.frozen = False

    def update(self, image: np.ndarray, t_s: float) -> bool | None:
        """Feed a sampled frame; returns True/False when the frozen state changes, else None."""
        small = cv2.cvtColor(cv2.resize(downscale(image, 128), (64, 36)), cv2.COLOR_BGR2GRAY)
        small = small.astype(np.int16)
        same = self._last is not None and float(np.abs(small - self._last).mean()) <= self.max_diff
        self._last = small
        if not same:
            self._since = None
            if self.frozen:
                self.frozen = False
                return False
            return None
        if self._since is None:
            self._since = t_s
        if not self.frozen and t_s - self._since >= self.after_s:
            self.frozen = True
            return True
        return None


class VideoStream:
    """A camera or file, decoded with OpenCV's FFmpeg backend."""

    def __init__(
        self,
        url: str | Path,
        config: StreamConfig | None = None,
        *,
        camera: str = "local",
        on_status: StatusCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stop: Callable[[], bool] | None = None,
        origin: float | None = None,
    ) -> None:
        self.url = str(url)
        self._origin = origin  # time.monotonic() of stream time 0 for live streams (continuity)
        self.config = config or StreamConfig()
        self.camera = camera
        self.live = is_live(self.url)
        self._on_status = on_status
        self._sleep = sleep
        self._stop = stop  # checked while waiting to reconnect: a time-boxed window ends on time
        self._stopped = False
        self._cap: cv2.VideoCapture | None = None
        self.fps = 0.0
        self.frames_read = 0
        self.bad_frames = 0
        self.reconnects = 0
        self.statuses: list[tuple[StreamStatus, float, str]] = []

    def _status(self, status: StreamStatus, t_s: float, detail: str = "") -> None:
        self.statuses.append((status, t_s, detail))
        level = (
            logging.INFO if status in (StreamStatus.OPENED, StreamStatus.ENDED) else logging.WARNING
        )
        log.log(level, "camera %s: %s at %.2f s %s", self.camera, status.value, t_s, detail)
        if self._on_status is not None:
            self._on_status(status, t_s, detail)

    def _open(self) -> bool:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(self.config.open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(self.config.read_timeout_s * 1000),
        ]
        if self.config.decode_threads:
            params += [cv2.CAP_PROP_N_THREADS, self.config.decode_threads]
        if not self.live and not Path(self.url).exists():
            return False
        cap = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            cap = cv2.VideoCapture(self.url)  # GIFs and image sequences use other backends
        if not cap.isOpened():
            cap.release()
            return False
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0 < fps <= 240 else 25.0
        return True

    def _grab(self) -> bool:
        """Read and decode the next frame without converting it; False at the end or a stall."""
        return self._cap is not None and bool(self._cap.grab())

    def _retrieve(self) -> np.ndarray | None:
        """The grabbed frame as BGR (None when it cannot be converted)."""
        if self._cap is None:
            return None
        ok, image = self._cap.retrieve()
        return image if ok else None

    def close(self) -> None:
        """Release the capture."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _wait(self, delay: float) -> bool:
        """Sleep `delay` s, waking within 0.25 s when `stop()` says so; False when stopped."""
        if self._stop is None:
            self._sleep(delay)
            return True
        end = time.monotonic() + delay
        while not self._stop():
            left = end - time.monotonic()
            if left <= 0:
                return True
            self._sleep(min(left, 0.25))
        self._stopped = True
        return False

    def _reconnect(self, t_s: float) -> bool:
        delay = self.config.reconnect_initial_s
        for attempt in range(1, self.config.max_reconnects + 1):
            self.reconnects += 1
            self._status(StreamStatus.RECONNECTING, t_s, f"attempt {attempt} in {delay:.1f} s")
            if not self._wait(delay):
                return False
            self.close()
            if self._open():
                self._status(StreamStatus.OPENED, t_s, "reconnected")
                return True
            delay = min(delay * 2, self.config.reconnect_max_s)
        return False

    def frames(self) -> Iterator[Frame]:
        """Yield frames sampled at `detect_fps` until the stream ends or cannot be reopened."""
        cfg = self.config
        if not self._open() and not (self.live and self._reconnect(0.0)):
            why = " (stopped while reconnecting)" if self._stopped else ""
            self._status(StreamStatus.FAILED, 0.0, f"cannot open {self.url}{why}")
            return
        self._status(StreamStatus.OPENED, 0.0, self.url)
        sampler = FpsSampler(cfg.detect_fps)
        frozen = FrozenWatch(cfg.frozen_after_s, cfg.frozen_max_diff)
        index = -1
        started = time.monotonic() if self._origin is None else self._origin
        t_s = time.monotonic() - started if self.live else 0.0
        try:
            while True:
                ok = self._grab()
                if not ok:
                    if not self.live:
                        self._status(StreamStatus.ENDED, t_s, f"{self.frames_read} frames")
                        return
                    # FFmpeg's read timeout (`read_timeout_s`) has expired: the stream stalled.
                    self._status(StreamStatus.STALLED, t_s, "no frame")
                    if not self._reconnect(t_s):
                        why = "stopped" if self._stopped else "gave up"
                        self._status(StreamStatus.FAILED, t_s, f"{why} reconnecting")
                        return
                    continue
                index += 1
                self.frames_read += 1
                t_s = time.monotonic() - started if self.live else index / self.fps
                if cfg.max_duration_s is not None and t_s > cfg.max_duration_s:
                    return
                if not sampler.accept(t_s):
                    continue
                image = self._retrieve()
                if image is None or image.size == 0:
                    self.bad_frames += 1
                    self._status(StreamStatus.BAD_FRAME, t_s, f"frame {index}")
                    continue
                if image.ndim == 2:
                    image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
                change = frozen.update(image, t_s)
                if change is True:
                    self._status(StreamStatus.FROZEN, t_s, f"no change for {cfg.frozen_after_s} s")
                elif change is False:
                    self._status(StreamStatus.UNFROZEN, t_s, "")
                yield Frame(index=index, t_s=t_s, image=image)
        finally:
            self.close()


def prefetched(frames: Iterator[Frame], depth: int = 4) -> Iterator[Frame]:
    """Decode in a background thread (OpenCV releases the GIL) so decoding overlaps analysis."""
    import queue
    import threading

    box: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pump() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        box.put(frame, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            box.put(None)
        except BaseException as err:  # hand decoder errors to the consumer
            box.put(err)

    thread = threading.Thread(target=pump, daemon=True, name="decode")
    thread.start()
    try:
        while True:
            item = box.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.1)


class NewestFrames:
    """Decode in a background thread and hand over only the newest frames (live cameras).

    When analysis falls behind, the oldest waiting frame is dropped (and counted) instead of
    letting the decoder stall, so analysis lag stays bounded by `depth` frames.
    """

    def __init__(self, frames: Iterator[Frame], depth: int = 2) -> None:
        import threading
        from collections import deque

        self._frames = frames
        self._box: deque[Frame] = deque(maxlen=depth)
        self._ready = threading.Condition()
        self._done = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self.dropped = 0
        self._thread = threading.Thread(target=self._pump, daemon=True, name="decode")
        self._thread.start()

    def _pump(self) -> None:
        try:
            for frame in self._frames:
                with self._ready:
                    if len(self._box) == self._box.maxlen:
                        self.dropped += 1
                    self._box.append(frame)
                    self._ready.notify()
                if self._stop.is_set():
                    break
        except BaseException as err:  # hand decoder errors to the consumer
            self._error = err
        finally:
            with self._ready:
                self._done = True
                self._ready.notify()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            with self._ready:
                while not self._box and not self._done:
                    self._ready.wait(0.5)
                if self._box:
                    frame = self._box.popleft()
                elif self._error is not None:
                    raise self._error
                else:
                    return
            yield frame

    def close(self, timeout: float = 5.0) -> None:
        """Stop decoding (the stream's own `stop` callback ends reconnect waits)."""
        self._stop.set()
        self._thread.join(timeout)
