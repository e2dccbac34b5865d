"""Fps sampler and motion gate."""

from __future__ import annotations

import cv2
import numpy as np

from tests.workers.synthetic import textured_background
from workers.stream.sampling import FpsSampler, MotionGate, MotionGateConfig


def test_sampler_keeps_the_requested_rate_from_an_irregular_clock() -> None:
    sampler = FpsSampler(5)
    times = np.cumsum(np.full(300, 1 / 30))  # 10 s at 30 fps
    accepted = [t for t in times if sampler.accept(float(t))]
    assert 49 <= len(accepted) <= 51
    assert np.allclose(np.diff(accepted), 0.2, atol=1 / 30 + 1e-6)


def test_sampler_resyncs_after_a_gap() -> None:
    sampler = FpsSampler(5)
    assert sampler.accept(0.0)
    assert sampler.accept(10.0)  # a stall: take the next frame, no burst afterwards
    assert not sampler.accept(10.1)
    assert sampler.accept(10.2)


def test_gate_skips_an_idle_scene_but_passes_heartbeats_and_motion() -> None:
    gate = MotionGate(MotionGateConfig(heartbeat_s=2.0, hold_s=0.0))
    still = textured_background()
    rng = np.random.default_rng(1)
    verdicts = []
    for i in range(50):  # 10 s at 5 fps, sensor noise only
        noisy = np.clip(still.astype(np.int16) + rng.integers(-3, 4, still.shape), 0, 255)
        verdicts.append(gate.check(noisy.astype(np.uint8), i * 0.2).open)
    assert sum(verdicts) <= 7  # first frame + a heartbeat every 2 s
    assert gate.stats.skipped_fraction >= 0.85
    moving = still.copy()
    cv2.rectangle(moving, (100, 80), (140, 180), (255, 255, 255), -1)
    result = gate.check(moving, 10.0)
    assert result.open and result.box is not None
    x1, y1, x2, y2 = result.box
    assert x1 <= 100 <= x2 and y1 <= 90 and y2 >= 170


def test_disabled_gate_passes_everything() -> None:
    gate = MotionGate(MotionGateConfig(enabled=False))
    still = textured_background()
    assert all(gate.check(still, i * 0.2).open for i in range(20))
    assert gate.stats.skipped_fraction == 0.0


def test_gate_gives_the_same_verdict_with_a_precomputed_small_frame() -> None:
    from workers.stream.sampling import downscale

    still = cv2.resize(textured_background(), (1280, 720))
    moving = still.copy()
    cv2.rectangle(moving, (400, 200), (560, 600), (255, 255, 255), -1)
    plain, shared = MotionGate(), MotionGate()
    for t, frame in enumerate([still, still, moving]):
        a = plain.check(frame, t * 0.2)
        b = shared.check(frame, t * 0.2, small=downscale(frame, shared.config.width))
        assert (a.open, a.changed_fraction, a.box) == (b.open, b.changed_fraction, b.box)
    assert b.box is not None and b.box[0] < 420 and b.box[2] > 540
