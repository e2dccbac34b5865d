"""Conversion: the SSD graph's identity resize loop is bypassed without changing detections."""

from __future__ import annotations

import numpy as np
import openvino as ov

from workers.models.build import bypass_identity_resize_loop, convert
from workers.models.store import ensure_model, spec_of


def _loops(model: ov.Model) -> int:
    return sum(node.get_type_name() == "Loop" for node in model.get_ordered_ops())


def test_bypassing_the_resize_loop_keeps_every_ssd_output() -> None:
    spec = spec_of("ssdlite")
    source = ensure_model("ssdlite", "fp32").xml.parent / spec.member.rsplit("/", 1)[-1]
    original = ov.convert_model(str(source))
    bypassed = convert(spec, source)
    assert _loops(bypassed) == _loops(original) - 1  # only the post-processing loop is left
    assert not bypass_identity_resize_loop(bypassed)  # nothing left to bypass

    core, exact = ov.Core(), {"INFERENCE_PRECISION_HINT": "f32"}  # no BF16 rounding
    frame = np.random.default_rng(7).integers(0, 256, spec.input_shape, dtype=np.uint8)
    frame[0, 60:240, 110:190] = (200, 40, 40)  # a person-sized blob gives real detections
    before = core.compile_model(original, "CPU", exact)(frame)
    after = core.compile_model(bypassed, "CPU", exact)(frame)
    assert len(before) == len(after)
    for value_before, value_after in zip(before.values(), after.values(), strict=True):
        np.testing.assert_allclose(value_before, value_after, atol=1e-5)  # float32 rounding
