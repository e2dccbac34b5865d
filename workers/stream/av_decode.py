"""Live H.264/H.265 cameras decoded with PyAV, keyframes only while the scene is idle.

Decoding dominates a host's CPU: a 720p camera at 25 fps costs ~0.1 core to decode even though
only 5 frames a second are analysed, because every P-frame needs its predecessor. Most city
cameras show nothing most of the time, so `AvVideoStream` asks its `idle()` callback before each
packet: while the camera is idle it decodes keyframes only (FFmpeg's `skip_frame=NONKEY`, one
frame per GOP, typically every 1–2 s: ~5× less CPU); as soon as it is not idle it decodes every
frame again, starting at the next keyframe (P-frames whose references were skipped would decode
into smears). So motion costs at most one GOP of latency before full-rate analysis.

Same contract as `VideoStream` (statuses, reconnects, frozen pictures, bad frames), which it
extends by replacing the capture: `_open`, `_grab`, `_retrieve`, `close`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import av
import numpy as np

from workers.stream.decode import VideoStream

log = logging.getLogger(__name__)

AV_SCHEMES = ("rtsp://", "rtsps://")


class AvVideoStream(VideoStream):
    """A live camera through PyAV with keyframe-only decoding while `idle()` (see module)."""

    def __init__(self, *args: Any, idle: Callable[[], bool] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle = idle or (lambda: False)
        self._container: Any = None
        self._video: Any = None
        self._decoded: Iterator[Any] | None = None
        self._frame: Any = None
        self.keyframes_only = False
        self.keyframe_frames = 0  # frames decoded while keyframes only

    def _open(self) -> bool:
        options = {"rtsp_transport": "tcp", "fflags": "nobuffer"}
        try:
            container = av.open(
                self.url,
                options=options,
                timeout=(self.config.open_timeout_s, self.config.read_timeout_s),
            )
        except (av.error.FFmpegError, OSError) as err:
            log.debug("camera %s: open failed: %s", self.camera, err)
            return False
        if not container.streams.video:
            container.close()
            return False
        self._container = container
        self._video = container.streams.video[0]
        self._video.thread_type = "NONE" if self.config.decode_threads == 1 else "AUTO"
        rate = self._video.average_rate or self._video.guessed_rate
        self.fps = float(rate) if rate and 0 < float(rate) <= 240 else 25.0
        self.keyframes_only = False
        self._decoded = self._decode()
        return True

    def _decode(self) -> Iterator[Any]:
        """Decoded frames; switches between keyframes-only and every frame as `idle()` says."""
        waiting_for_key = False
        for packet in self._container.demux(self._video):
            idle = self._idle()
            if idle != self.keyframes_only:
                self.keyframes_only = idle
                self._video.codec_context.skip_frame = "NONKEY" if idle else "DEFAULT"
                waiting_for_key = not idle
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                self.bad_frames += 1
                continue
            for frame in frames:
                if waiting_for_key and not frame.key_frame:
                    continue
                waiting_for_key = False
                self.keyframe_frames += self.keyframes_only
                yield frame

    def _grab(self) -> bool:
        if self._decoded is None:
            return False
        try:
            self._frame = next(self._decoded)
        except StopIteration:
            return False
        except (av.error.FFmpegError, OSError) as err:  # read timeout, connection reset
            log.debug("camera %s: read failed: %s", self.camera, err)
            return False
        return True

    def _retrieve(self) -> np.ndarray | None:
        if self._frame is None:
            return None
        try:
            image: np.ndarray = self._frame.to_ndarray(format="bgr24")
        except (av.error.FFmpegError, ValueError):
            return None
        return image

    def close(self) -> None:
        self._decoded = None
        self._frame = None
        if self._container is not None:
            with contextlib.suppress(av.error.FFmpegError):
                self._container.close()
            self._container = None


def uses_av(url: str) -> bool:
    """Whether a live URL is read with PyAV (RTSP cameras) rather than OpenCV."""
    return url.lower().startswith(AV_SCHEMES)
