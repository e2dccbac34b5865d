"""The SSDLite person detector on real photos and on frames built here from them."""

from __future__ import annotations

import cv2
import numpy as np

from workers.detectors.base import Detector
from workers.detectors.evaluation import Matches, Sample, report
from workers.detectors.geometry import iou_matrix
from workers.detectors.registry import create_detector
from workers.models.calibration import synthetic_frames


def _paste_person(
    sample: Sample, background: np.ndarray, height: int, x: int, y: int
) -> tuple[np.ndarray, np.ndarray]:
    """Paste the first labelled person of ``sample`` (with a margin of context), scaled to
    ``height`` px tall, at (x, y); return the frame and the person's box there."""
    x1, y1, x2, y2 = sample.boxes[0]
    mx, my = 0.2 * (x2 - x1), 0.1 * (y2 - y1)
    h, w = sample.image.shape[:2]
    cx1, cy1 = int(max(0, x1 - mx)), int(max(0, y1 - my))
    cx2, cy2 = int(min(w, x2 + mx)), int(min(h, y2 + my))
    scale = height / (y2 - y1)
    crop = cv2.resize(sample.image[cy1:cy2, cx1:cx2], None, fx=scale, fy=scale)
    frame = background.copy()
    frame[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
    left, top = x + (x1 - cx1) * scale, y + (y1 - cy1) * scale
    box = np.array([left, top, left + (x2 - x1) * scale, top + (y2 - y1) * scale])
    return frame, box


def test_finds_people_in_real_photos(ssd_int8: Detector, pedestrian_samples: list[Sample]) -> None:
    matches = Matches()
    for sample in pedestrian_samples[:20]:
        matches.add(ssd_int8.detect(sample.image), sample.boxes)
    r = report(matches, threshold=0.5)
    assert r.gt >= 30
    assert r.recall >= 0.85, r
    assert r.precision >= 0.7, r


def test_finds_a_person_pasted_into_a_generated_frame(
    ssd_int8: Detector, pedestrian_samples: list[Sample]
) -> None:
    background = synthetic_frames(1, seed=3)[0]
    background = cv2.resize(background, (640, 480))
    frame, box = _paste_person(pedestrian_samples[1], background, 220, 300, 150)
    people = ssd_int8.detect(frame)
    assert people, "no person found"
    best = max(iou_matrix(np.array([d.box for d in people]), box)[:, 0])
    assert best >= 0.6, (people, box)


def test_no_person_in_an_empty_generated_scene(ssd_int8: Detector) -> None:
    blank = np.full((480, 640, 3), (90, 110, 120), np.uint8)
    assert ssd_int8.detect(blank) == []


def test_int8_agrees_with_fp32_on_most_boxes(
    ssd_int8: Detector, ssd_fp32: Detector, pedestrian_samples: list[Sample]
) -> None:
    agreed = total = 0
    for sample in pedestrian_samples[20:50]:
        ref = [d.box for d in ssd_fp32.detect(sample.image)]
        got = [d.box for d in ssd_int8.detect(sample.image)]
        total += len(ref)
        if ref and got:
            agreed += int((iou_matrix(np.array(ref), np.array(got)).max(axis=1) >= 0.7).sum())
    assert total >= 30
    assert agreed / total >= 0.9, (agreed, total)


def test_detect_many_matches_detect(ssd_int8: Detector, pedestrian_samples: list[Sample]) -> None:
    frames = [s.image for s in pedestrian_samples[:6]]
    assert ssd_int8.detect_many(frames) == [ssd_int8.detect(f) for f in frames]


def test_boxes_are_in_original_pixels_for_any_frame_shape(
    ssd_int8: Detector, pedestrian_samples: list[Sample]
) -> None:
    image = pedestrian_samples[0].image
    wide = cv2.resize(image, None, fx=2.0, fy=1.0)
    base = ssd_int8.detect(image)
    stretched = ssd_int8.detect(wide)
    assert len(base) == len(stretched) >= 1
    for a, b in zip(base, stretched, strict=True):
        assert np.allclose([a.box[0] * 2, a.box[1], a.box[2] * 2, a.box[3]], b.box, atol=6)


def test_tiling_finds_small_people_the_whole_frame_misses(
    pedestrian_samples: list[Sample],
) -> None:
    background = cv2.resize(synthetic_frames(1, seed=5)[0], (1920, 1080))
    frame, boxes = background, []
    for k, (x, y) in enumerate([(200, 300), (900, 700), (1500, 150), (600, 100)]):
        frame, box = _paste_person(pedestrian_samples[k + 5], frame, 60, x, y)
        boxes.append(box)
    gt = np.array(boxes)

    def found(detector: Detector) -> int:
        dets = detector.detect(frame)
        if not dets:
            return 0
        return int((iou_matrix(gt, np.array([d.box for d in dets])).max(axis=1) >= 0.5).sum())

    whole = create_detector("person", {"num_threads": 2})
    tiling = {"enabled": True, "tile_size": 200}
    tiled = create_detector("person", {"num_threads": 2, "tiling": tiling})
    assert found(whole) == 0
    assert found(tiled) >= 2


def test_fast_ssd_input_matches_area_resizing_of_a_1080p_frame(
    pedestrian_samples: list[Sample],
) -> None:
    from workers.models.inputs import SSD_SIZE, ssd_input

    frame = cv2.resize(pedestrian_samples[0].image, (1920, 1080), interpolation=cv2.INTER_CUBIC)
    fast = ssd_input(frame)
    area = cv2.resize(frame, (SSD_SIZE, SSD_SIZE), interpolation=cv2.INTER_AREA)[None, :, :, ::-1]
    assert fast.shape == (1, SSD_SIZE, SSD_SIZE, 3) and fast.dtype == np.uint8
    assert fast.flags["C_CONTIGUOUS"]
    assert float(np.abs(fast.astype(np.int16) - area.astype(np.int16)).mean()) < 1.5
