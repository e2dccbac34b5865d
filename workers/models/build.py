"""Convert a fetched model file to OpenVINO IR (FP32 weights) and quantize it to INT8 (NNCF).

Files `ov.convert_model` cannot read (the I3D numpy checkpoint) are built by a graph builder
named in the manifest (`ModelSpec.graph`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openvino as ov

from workers.models import i3d
from workers.models.calibration import calibration_clips, calibration_frames
from workers.models.inputs import CALIBRATION_INPUTS
from workers.models.manifest import ModelSpec

log = logging.getLogger(__name__)

# Calibration sizes keep `models fetch` to about a minute per model on 2 cores.
CALIBRATION_SAMPLES = {"ssdlite": 200, "yolo_fall": 64, "pose_landmark": 64, "i3d_kinetics": 24}
GRAPH_BUILDERS: dict[str, Callable[[Path], ov.Model]] = {"i3d/v2": i3d.build_model}


def convert(spec: ModelSpec, source: Path) -> ov.Model:
    """Read the framework file (TF frozen graph, ONNX, TFLite) with a static input shape.

    A model with a graph builder (``spec.graph``) is built from its weights and keeps the
    builder's input shape (dynamic for I3D); ``spec.input_shape`` is then only its smoke shape.
    """
    if spec.graph:
        return GRAPH_BUILDERS[spec.graph](source)
    model = ov.convert_model(str(source))
    if list(model.inputs[0].get_partial_shape()) != list(spec.input_shape):
        model.reshape({model.inputs[0]: ov.PartialShape(list(spec.input_shape))})
    bypass_identity_resize_loop(model)
    return model


def bypass_identity_resize_loop(model: ov.Model) -> bool:
    """Drop the TF Object Detection API preprocessor loop when it resizes to the input's own size.

    That graph resizes every image in a `Loop` (a TF while loop over the batch) to the fixed
    300x300 it already has: an identity costing ~0.7 ms per inference on 2 cores (a sixth of the
    FP32 model, a quarter of INT8). Its outputs (images, true image shapes) are replaced by the
    input itself and a constant shape; detections are unchanged. Returns whether it was found.
    """
    from openvino import opset13 as ops

    param = model.get_parameters()[0]
    in_shape = param.get_output_partial_shape(0)
    if not in_shape.is_static:
        return False
    for node in model.get_ordered_ops():
        if (
            node.get_type_name() == "Loop"
            and node.get_output_size() >= 2
            and node.get_output_partial_shape(0) == in_shape
            and node.get_output_partial_shape(1) == ov.PartialShape([in_shape[0], 3])
        ):
            dims = np.array([list(in_shape.to_shape())[1:]], dtype=np.int64)
            image = ops.convert(param, node.get_output_element_type(0))
            shape = ops.convert(ops.constant(dims), node.get_output_element_type(1))
            node.output(0).replace(image.output(0))
            node.output(1).replace(shape.output(0))
            model.validate_nodes_and_infer_types()
            log.info("bypassed the identity resize loop %s", node.get_friendly_name())
            return True
    return False


def quantize(spec: ModelSpec, model: ov.Model) -> tuple[ov.Model, str, int]:
    """INT8 post-training quantization; returns ``(model, calibration source, samples)``."""
    import nncf  # heavy import, only needed here

    inputs, source = calibration_inputs(spec, CALIBRATION_SAMPLES.get(spec.name, 100))
    started = time.perf_counter()
    quantized = nncf.quantize(
        model,
        nncf.Dataset(inputs),
        subset_size=len(inputs),
        preset=nncf.QuantizationPreset.MIXED,
        fast_bias_correction=True,
    )
    log.info(
        "quantized %s to INT8 on %d %s samples in %.1f s",
        spec.name,
        len(inputs),
        source,
        time.perf_counter() - started,
    )
    return quantized, source, len(inputs)


def calibration_inputs(spec: ModelSpec, samples: int) -> tuple[list[np.ndarray], str]:
    """Model input tensors for INT8 calibration: frames, or clips for the video network."""
    if spec.graph.startswith("i3d/"):
        from workers.detectors.action import clip_input

        _, _, length, height, width = spec.input_shape
        clips, source = calibration_clips(samples, length, (width, height))
        rgb = [[f[:, :, ::-1] for f in clip] for clip in clips]
        return [clip_input(c, length) for c in rgb], source
    frames, source = calibration_frames(samples)
    to_input = CALIBRATION_INPUTS[spec.name]
    return [to_input(frame) for frame in frames], source


def save(model: ov.Model, xml: Path) -> None:
    """Save IR atomically enough for concurrent readers (write to temp names, then rename)."""
    tmp_xml = xml.with_name(xml.stem + ".tmp.xml")
    ov.save_model(model, str(tmp_xml), compress_to_fp16=False)
    tmp_xml.with_suffix(".bin").replace(xml.with_suffix(".bin"))
    tmp_xml.replace(xml)


def smoke_input(spec: ModelSpec) -> np.ndarray:
    """A zero tensor of the model's (nominal) input shape and dtype, to check a built IR runs."""
    dtype = np.uint8 if spec.name == "ssdlite" else np.float32
    return np.zeros(spec.input_shape, dtype=dtype)
