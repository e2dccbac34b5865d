"""One compiled detector shared by every camera of a host, fed in batches across cameras.

Camera threads call `detect(frame)` as they would on a plain detector; a dispatcher thread takes
every frame waiting at that moment (up to `max_batch`) and runs them through the detector's
`detect_many`, which keeps several OpenVINO infer requests in flight at once. Frames from cameras
that arrive together are thus inferred together instead of queueing on one request's lock.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


class BatchedDetector:
    """`detect(frame)` for many threads over one detector's `detect_many`."""

    def __init__(self, detector: Any, max_batch: int = 8) -> None:
        self.detector = detector
        self.max_batch = max_batch
        self.batches = 0
        self.frames = 0
        self._waiting: list[tuple[np.ndarray, Future[list[Any]]]] = []
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._dispatch, daemon=True, name="detect-batch")
        self._thread.start()

    def detect(self, frame: np.ndarray) -> list[Any]:
        """Detections for one frame (blocks until its batch ran; re-raises its error)."""
        future: Future[list[Any]] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("detector closed")
            self._waiting.append((frame, future))
            self._ready.notify()
        return future.result()

    @property
    def mean_batch(self) -> float:
        return self.frames / self.batches if self.batches else 0.0

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(5)

    def _dispatch(self) -> None:
        while True:
            with self._ready:
                while not self._waiting and not self._closed:
                    self._ready.wait()
                if self._closed and not self._waiting:
                    return
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
            self.batches += 1
            self.frames += len(batch)
            try:
                results = self._detect([f for f, _ in batch])
            except Exception as err:  # one bad frame must not fail the other cameras' frames
                if len(batch) == 1:
                    batch[0][1].set_exception(err)
                    continue
                for frame, future in batch:
                    try:
                        future.set_result(self._detect([frame])[0])
                    except Exception as single:
                        future.set_exception(single)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    def _detect(self, frames: list[np.ndarray]) -> list[list[Any]]:
        many = getattr(self.detector, "detect_many", None)
        if many is not None:
            return list(many(frames))
        return [self.detector.detect(f) for f in frames]
