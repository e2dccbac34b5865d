"""The shared detector: frames from many camera threads are inferred in batches, each thread
gets its own frame's detections, and one bad frame fails only its own caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from workers.host.batching import BatchedDetector


class MarkerDetector:
    """Returns the frame's marker pixel as its only 'detection'; refuses a frame marked 255."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def detect_many(self, frames: Sequence[np.ndarray]) -> list[list[int]]:
        time.sleep(0.01)  # inference takes time, so frames pile up meanwhile
        if any(int(f[0, 0]) == 255 for f in frames):
            raise ValueError("bad frame")
        self.calls.append(len(frames))
        return [[int(f[0, 0])] for f in frames]


def test_many_threads_get_their_own_results_in_batches() -> None:
    inner = MarkerDetector()
    detector = BatchedDetector(inner, max_batch=8)
    results: dict[int, list[list[int]]] = {}

    def camera(marker: int) -> None:
        frame = np.full((4, 4), marker, np.uint8)
        results[marker] = [detector.detect(frame) for _ in range(10)]

    threads = [threading.Thread(target=camera, args=(m,)) for m in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    detector.close()
    assert all(results[m] == [[m]] * 10 for m in range(12))
    assert max(inner.calls) > 1 and detector.mean_batch > 1.5
    assert sum(inner.calls) == 120


def test_a_bad_frame_fails_only_its_own_caller() -> None:
    detector = BatchedDetector(MarkerDetector(), max_batch=8)
    errors: list[Exception] = []
    good: list[list[int]] = []

    def call(marker: int) -> None:
        try:
            good.append(detector.detect(np.full((4, 4), marker, np.uint8)))
        except ValueError as err:
            errors.append(err)

    threads = [threading.Thread(target=call, args=(m,)) for m in (1, 255, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    detector.close()
    assert len(errors) == 1 and sorted(good) == [[1], [3], [4]]
    with pytest.raises(RuntimeError):
        detector.detect(np.zeros((4, 4), np.uint8))
