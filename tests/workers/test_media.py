"""Snapshots and clips: boxes drawn, heads blurred, pre/post-event window."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.workers.synthetic import textured_background
from workers.media import FrameRing, MediaConfig, blur_heads, snapshot_jpeg


def test_head_region_is_blurred_and_the_rest_untouched() -> None:
    img = textured_background(4, (400, 300))
    person = (100, 50, 180, 250)
    out = blur_heads(img, [person], MediaConfig())
    head = (slice(50, 90), slice(115, 165))
    assert np.abs(out[head].astype(int) - img[head].astype(int)).mean() > 3
    assert cv2.Laplacian(out[head], cv2.CV_64F).var() < cv2.Laplacian(img[head], cv2.CV_64F).var()
    assert np.array_equal(out[120:250, :], img[120:250, :])  # below the head: unchanged


def test_snapshot_is_a_jpeg_with_the_event_box() -> None:
    img = np.zeros((240, 320, 3), np.uint8)
    data = snapshot_jpeg(img, event_box=(50, 60, 150, 200), label="fall")
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert data[:2] == b"\xff\xd8" and decoded.shape == (240, 320, 3)
    assert decoded[60, 100, 2] > 150  # red box edge


def test_clip_covers_pre_and_post_event_seconds(tmp_path: Path) -> None:
    ring = FrameRing(MediaConfig(pre_s=2, post_s=1, clip_width=160))
    for i in range(100):  # 20 s at 5 fps
        ring.add(i * 0.2, np.full((240, 320, 3), i, np.uint8))
    path = tmp_path / "clip.mp4"
    written = ring.write_clip(path, start_s=10.0, end_s=12.0)
    assert written == 26  # 8 s … 13 s at 5 fps
    cap = cv2.VideoCapture(str(path))
    assert (
        int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 26
        and int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 160
    )
