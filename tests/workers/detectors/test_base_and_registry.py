"""Frame checks, Detection shape, plugin registry and the scripted detector."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from workers.detectors.base import BadFrameError, Detection, check_frame
from workers.detectors.registry import (
    UnknownPluginError,
    create_detector,
    detector_config,
    shared_detector,
)


def test_check_frame_normalises_grey_16bit_and_bgra() -> None:
    grey = np.full((4, 5), 7, np.uint8)
    assert check_frame(grey).shape == (4, 5, 3)
    deep = np.full((4, 5), 0x1234, np.uint16)
    out = check_frame(deep)
    assert out.dtype == np.uint8 and out[0, 0, 0] == 0x12
    bgra = np.zeros((4, 5, 4), np.uint8)
    assert check_frame(bgra).shape == (4, 5, 3)


@pytest.mark.parametrize(
    "frame",
    [np.zeros((0, 5, 3), np.uint8), np.zeros((4, 5, 2), np.uint8), "not an image", None],
)
def test_check_frame_rejects_unusable_frames(frame: object) -> None:
    with pytest.raises(BadFrameError):
        check_frame(frame)


def test_check_frame_rejects_huge_frames() -> None:
    with pytest.raises(BadFrameError, match="exceeds"):
        check_frame(np.zeros((100, 100, 3), np.uint8), max_pixels=9_999)


def test_detection_to_dict_is_the_cli_shape() -> None:
    d = Detection("person", 0.98765, (1.04, 2.0, 30.55, 80.0))
    assert d.to_dict() == {"label": "person", "score": 0.9877, "box": [1.0, 2.0, 30.6, 80.0]}
    assert (d.width, d.height) == pytest.approx((29.51, 78.0))


def test_registry_rejects_unknown_keys_and_bad_config() -> None:
    with pytest.raises(UnknownPluginError):
        create_detector("no_such_detector")
    with pytest.raises(ValidationError):
        detector_config("person", {"precision": "FP8"})
    with pytest.raises(ValidationError):
        detector_config("person", {"score_treshold": 0.3})  # typo: extra keys are refused
    assert detector_config("fall").nms_iou == 0.45  # type: ignore[attr-defined]


def test_scripted_detector_replays_frames_in_order() -> None:
    frame = np.zeros((10, 10, 3), np.uint8)
    script = {
        "frames": [
            [{"box": (1, 2, 3, 4), "score": 0.9}, {"box": (5, 5, 9, 9), "score": 0.2}],
            [],
            [{"label": "bag", "box": (0, 0, 1, 1)}],
        ],
        "score_threshold": 0.5,
    }
    detector = create_detector("scripted", script)
    assert detector.detect(frame) == [Detection("person", 0.9, (1.0, 2.0, 3.0, 4.0))]
    assert detector.detect(frame) == []
    assert detector.detect_many([frame, frame]) == [[Detection("bag", 1.0, (0, 0, 1, 1))], []]
    looping = create_detector("scripted", {**script, "loop": True})
    assert [len(looping.detect(frame)) for _ in range(4)] == [1, 0, 1, 1]


def test_shared_detector_is_created_once_per_config() -> None:
    a = shared_detector("scripted", {"frames": []})
    assert shared_detector("scripted", {"frames": []}) is a
    assert shared_detector("scripted", {"frames": [], "score_threshold": 0.1}) is not a
