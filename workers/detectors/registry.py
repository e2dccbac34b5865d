"""Detector and pose plugins by key; plugin modules are imported only when first used.

from workers.detectors.registry import create_detector, shared_detector
detector = shared_detector("openvino_ssd", {"precision": "INT8"})
detections = detector.detect(frame_bgr)
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from workers.detectors.base import Detector, PoseEstimator

# key -> "module:Class"; the class has a ``Config`` attribute (a pydantic model).
DETECTORS: dict[str, str] = {
    "openvino_ssd": "workers.detectors.plugins.openvino_ssd:SsdDetector",
    "openvino_yolo": "workers.detectors.plugins.openvino_yolo:YoloDetector",
    "scripted": "workers.detectors.plugins.scripted:ScriptedDetector",
}
POSE_ESTIMATORS: dict[str, str] = {
    "openvino_pose": "workers.detectors.plugins.openvino_pose:BlazePoseEstimator",
}
# Product names used by the CLI (`--model person|fall|pose`) and by camera configs.
ALIASES: dict[str, str] = {
    "person": "openvino_ssd",
    "fall": "openvino_yolo",
    "pose": "openvino_pose",
}

_cache: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class UnknownPluginError(KeyError):
    """No plugin is registered under that key."""


def _load(table: Mapping[str, str], key: str) -> type:
    key = ALIASES.get(key, key)
    if key not in table:
        raise UnknownPluginError(f"unknown plugin {key!r}; known: {sorted(table)}")
    module_name, _, class_name = table[key].partition(":")
    cls: type = getattr(importlib.import_module(module_name), class_name)
    return cls


def _config(cls: type, config: BaseModel | Mapping[str, Any] | None) -> BaseModel:
    config_cls: type[BaseModel] = cls.Config  # type: ignore[attr-defined]
    if isinstance(config, config_cls):
        return config
    if isinstance(config, BaseModel):
        return config_cls.model_validate(config.model_dump())
    return config_cls.model_validate(dict(config or {}))


def detector_config(key: str, config: BaseModel | Mapping[str, Any] | None = None) -> BaseModel:
    """Validate ``config`` for the plugin ``key`` (raises pydantic.ValidationError)."""
    return _config(_load(DETECTORS, key), config)


def create_detector(key: str, config: BaseModel | Mapping[str, Any] | None = None) -> Detector:
    """A new detector of plugin ``key`` (or alias ``person``/``fall``) with a validated config."""
    cls = _load(DETECTORS, key)
    detector: Detector = cls(_config(cls, config))
    return detector


def create_pose_estimator(
    key: str = "openvino_pose", config: BaseModel | Mapping[str, Any] | None = None
) -> PoseEstimator:
    """A new pose estimator of plugin ``key`` (or alias ``pose``)."""
    cls = _load(POSE_ESTIMATORS, key)
    estimator: PoseEstimator = cls(_config(cls, config))
    return estimator


def _shared(kind: str, key: str, config: BaseModel, factory: Any) -> Any:
    cache_key = (f"{kind}:{ALIASES.get(key, key)}", json.dumps(config.model_dump(), sort_keys=True))
    with _lock:
        if cache_key not in _cache:
            _cache[cache_key] = factory(key, config)
        return _cache[cache_key]


def shared_detector(key: str, config: BaseModel | Mapping[str, Any] | None = None) -> Detector:
    """One detector per (key, config) per process: compiled models are expensive."""
    detector: Detector = _shared("det", key, detector_config(key, config), create_detector)
    return detector


def shared_pose_estimator(
    key: str = "openvino_pose", config: BaseModel | Mapping[str, Any] | None = None
) -> PoseEstimator:
    """One pose estimator per (key, config) per process."""
    cls = _load(POSE_ESTIMATORS, key)
    estimator: PoseEstimator = _shared("pose", key, _config(cls, config), create_pose_estimator)
    return estimator


def close_all() -> None:
    """Close and forget every shared detector and estimator (tests, worker shutdown)."""
    with _lock:
        for obj in _cache.values():
            obj.close()
        _cache.clear()
