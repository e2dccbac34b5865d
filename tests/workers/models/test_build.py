"""Conversion: the SSD graph's identity resize loop is bypassed without changing detections."""

from __future__ import annotations

import cv2
import numpy as np
import openvino as ov
import pytest

from tests.shared_data import shared_path
from workers.models import ModelFetchError
from workers.models.build import bypass_identity_resize_loop, convert
from workers.models.store import ensure_model, spec_of


def _loops(model: ov.Model) -> int:
    return sum(node.get_type_name() == "Loop" for node in model.get_ordered_ops())


def test_bypassing_the_resize_loop_keeps_every_ssd_output() -> None:
    spec = spec_of("ssdlite")
    try:
        built = ensure_model("ssdlite", "fp32", download=False)
    except ModelFetchError as err:
        pytest.skip(f"SSD model not built ({err}); run `python -m workers models fetch`")
    source = built.xml.parent / spec.member.rsplit("/", 1)[-1]
    original = ov.convert_model(str(source))
    bypassed = convert(spec, source)
    assert _loops(bypassed) == _loops(original) - 1  # only the post-processing loop is left
    assert not bypass_identity_resize_loop(bypassed)  # nothing left to bypass

    core, exact = ov.Core(), {"INFERENCE_PRECISION_HINT": "f32"}  # no BF16 rounding
    photo = cv2.imread(str(shared_path("footage/pedestrians/images/FudanPed00040.jpg")))
    assert photo is not None
    frame = cv2.resize(photo, spec.input_shape[2:0:-1])[None, :, :, ::-1].copy()  # RGB NHWC
    before = core.compile_model(original, "CPU", exact)(frame)
    after = core.compile_model(bypassed, "CPU", exact)(frame)
    scores = next(v for k, v in before.items() if "detection_scores:0" in k.get_names())
    assert scores.max() > 0.5  # real people found, so real boxes are compared
    assert len(before) == len(after)
    for value_before, value_after in zip(before.values(), after.values(), strict=True):
        np.testing.assert_allclose(value_before, value_after, atol=1e-5)  # float32 rounding
