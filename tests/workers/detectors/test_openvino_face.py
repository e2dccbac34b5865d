"""BlazeFace full range: anchors and decoding, faces of real pedestrians, none without people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_data import shared_path
from tests.workers.conftest import require_face_model
from tests.workers.synthetic import textured_background
from workers.detectors.base import Detection
from workers.detectors.evaluation import Sample
from workers.detectors.plugins.openvino_face import (
    FACE_SIZE,
    BlazeFaceDetector,
    FaceConfig,
    FaceTilingConfig,
    anchor_centres,
    decode,
    face_input,
)

# Penn-Fudan photos with people facing the camera (checked by eye): each should yield a face.
FRONTAL = (
    "FudanPed00013", "FudanPed00018", "FudanPed00021", "FudanPed00027", "FudanPed00039",
    "FudanPed00040", "FudanPed00042", "FudanPed00050", "FudanPed00052", "FudanPed00054",
    "FudanPed00059", "FudanPed00062",
)  # fmt: skip


@pytest.fixture(scope="module")
def face() -> Iterator[BlazeFaceDetector]:
    require_face_model()
    detector = BlazeFaceDetector(FaceConfig(num_threads=2))
    yield detector
    detector.close()


def test_anchors_are_the_48x48_stride_4_grid_in_model_output_order() -> None:
    anchors = anchor_centres()
    assert anchors.shape == (2304, 2)
    assert np.allclose(anchors[0], [2, 2]) and np.allclose(anchors[1], [6, 2])  # x runs first
    assert np.allclose(anchors[48], [2, 6]) and np.allclose(anchors[-1], [190, 190])


def test_decode_offsets_boxes_from_their_anchor_and_thresholds_the_sigmoid() -> None:
    regressors = np.zeros((1, 2304, 16), np.float32)
    logits = np.full((1, 2304, 1), -10.0, np.float32)
    regressors[0, 49] = [3, -2, 20, 30] + [0] * 12  # anchor 49 is centred at (6, 6)
    logits[0, 49, 0] = 2.0
    boxes, scores = decode(regressors, logits, 0.5)
    assert np.allclose(boxes, [[-1, -11, 19, 19]]) and np.allclose(scores, [1 / (1 + np.exp(-2))])
    assert decode(regressors, logits, 0.9)[0].shape == (0, 4)


def test_input_is_letterboxed_rgb_in_minus_one_to_one() -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, :, 2] = 255  # red in BGR
    tensor, box = face_input(frame)
    assert tensor.shape == (1, FACE_SIZE, FACE_SIZE, 3) and tensor.dtype == np.float32
    assert np.allclose(tensor[0, FACE_SIZE // 2, FACE_SIZE // 2], [1, -1, -1])  # RGB order
    assert np.allclose(tensor[0, 0, 0], -1)  # black letterbox border
    assert box.scale == pytest.approx(FACE_SIZE / 200)


def test_large_frames_get_the_whole_frame_and_a_two_level_tile_pyramid(
    face: BlazeFaceDetector,
) -> None:
    def sides(w: int, h: int) -> list[tuple[int, int]]:
        crops = face.crops_for(0, np.zeros((h, w, 3), np.uint8))
        return sorted({(c.x2 - c.x1, c.y2 - c.y1) for c in crops})

    assert sides(320, 240) == [(320, 240)]  # no tiles below a tile's height
    assert sides(640, 360) == [(320, 320), (640, 360)]  # the 640 level would be the whole frame
    assert sides(1280, 720) == [(320, 320), (640, 640), (1280, 720)]
    crops = face.crops_for(0, np.zeros((720, 1280, 3), np.uint8))
    assert len(crops) == 25 and crops[0].interior == (False, False, False, False)


def _face_in_upper_part(faces: list[Detection], person: np.ndarray) -> bool:
    x1, y1, x2, y2 = person
    top = y1 + 0.35 * (y2 - y1)
    for f in faces:
        cx, cy = (f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2
        if x1 <= cx <= x2 and y1 - 0.05 * (y2 - y1) <= cy <= top and f.width < (x2 - x1):
            return True
    return False


def test_faces_of_frontal_pedestrians_are_found_in_the_head_of_their_box(
    face: BlazeFaceDetector, pedestrian_samples: list[Sample]
) -> None:
    by_name = {Path(s.name).stem: s for s in pedestrian_samples}
    found = []
    for name in FRONTAL:
        sample = by_name[name]
        faces = face.detect(sample.image)
        assert all(f.label == "face" and 0.5 <= f.score <= 1 for f in faces)
        if any(_face_in_upper_part(faces, person) for person in sample.boxes):
            found.append(name)
    assert len(found) >= 10, f"faces found on only {found}"


def test_most_faces_lie_inside_annotated_people(
    face: BlazeFaceDetector, pedestrian_samples: list[Sample]
) -> None:
    inside = total = 0
    for sample in pedestrian_samples:
        for f in face.detect(sample.image):
            cx, cy = (f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2
            b = sample.boxes
            total += 1
            inside += bool(
                ((b[:, 0] <= cx) & (cx <= b[:, 2]) & (b[:, 1] <= cy) & (cy <= b[:, 3])).any()
            )
    # Penn-Fudan leaves some background people unannotated, so not every face is inside a box.
    assert total >= 80 and inside >= 0.8 * total, (inside, total)


def test_no_faces_without_people(face: BlazeFaceDetector) -> None:
    assert face.detect(np.full((720, 1280, 3), 127, np.uint8)) == []
    assert face.detect(cv2.resize(textured_background(3), (1280, 720))) == []


def test_no_faces_in_a_real_scene_without_people(face: BlazeFaceDetector) -> None:
    capture = cv2.VideoCapture(str(shared_path("footage/nofire/emoykim_test7.avi")))
    frames: list[np.ndarray] = []
    while len(frames) < 10:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert frames, "cannot read the clip"
    assert sum(len(face.detect(f)) for f in frames) == 0


def test_tiles_find_faces_the_whole_frame_misses(
    face: BlazeFaceDetector, pedestrian_samples: list[Sample]
) -> None:
    whole = BlazeFaceDetector(FaceConfig(num_threads=2, tiling=FaceTilingConfig(enabled=False)))

    def people_with_a_face(detector: BlazeFaceDetector) -> int:
        return sum(
            _face_in_upper_part(faces, person)
            for sample in pedestrian_samples
            for faces in [detector.detect(sample.image)]
            for person in sample.boxes
        )

    tiled, plain = people_with_a_face(face), people_with_a_face(whole)
    whole.close()
    # Measured: 102 and 67 of 160 people (most of the rest face away from the camera).
    assert tiled >= 85 and tiled >= 1.3 * plain, (tiled, plain)
