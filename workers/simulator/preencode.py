"""Clips encoded once for the simulated cameras, so serving them live costs almost no CPU.

`preencode(clip, size=..., fps=...)` encodes a clip to H.264 Annex-B (yuv420p, an IDR every
second, no B-frames, SPS/PPS before every IDR) at a fixed frame rate and, optionally, a fixed
size (scaled to fit and padded black, so the picture keeps its aspect ratio), and caches the
result under `$HAECHI_VAR/simulator/`, keyed by (clip path, clip mtime, size, fps). The second
call, in this process or another, returns the cached file. Encoding goes to a temporary file that
is renamed into place, under a per-key file lock, so concurrent simulators never read a half
written file or encode the same clip twice. A clip ffmpeg cannot encode raises `PreencodeError`
with ffmpeg's reason, and the failure is remembered for that key (the clip's mtime is in the key,
so replacing the file retries), so a camera with a broken clip never re-runs ffmpeg in a loop.

`load_access_units(path)` reads a cached file into memory as access units (shared by every camera
that serves the same file); `workers.simulator.rtsp.H264Source` paces them out in real time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workers.simulator.rtsp import AccessUnit

log = logging.getLogger(__name__)

ENCODE_TIMEOUT_S = 900  # one clip; the footage clips take seconds
ERROR_TAIL_CHARS = 400  # of ffmpeg's stderr, in the error message
CACHE_VERSION = "1"  # bump when the encoding settings change, so old files are not served


class PreencodeError(RuntimeError):
    """A clip that could not be encoded (missing, not a video, or no frames)."""


_failed: dict[str, str] = {}  # cache key -> reason; a broken clip is not re-encoded
_key_locks: dict[str, threading.Lock] = {}
_units: dict[Path, tuple[AccessUnit, ...]] = {}
_guard = threading.Lock()


def cache_dir() -> Path:
    """`$HAECHI_VAR/simulator` (the workers' var dir)."""
    from workers.settings import get_settings

    return get_settings().var_dir / "simulator"


def parse_size(text: str) -> tuple[int, int] | None:
    """`1280x720` -> (1280, 720); `source` or '' -> None (keep the clip's size)."""
    if text.strip().lower() in ("", "source"):
        return None
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError as err:
        raise ValueError(f"size must look like 1280x720 or 'source', not {text!r}") from err
    if not (16 <= width <= 7680 and 16 <= height <= 4320) or width % 2 or height % 2:
        raise ValueError(f"size {text!r}: even width and height between 16x16 and 7680x4320")
    return width, height


def cache_key(clip: Path, size: tuple[int, int] | None, fps: Fraction) -> str:
    """What identifies one encoding: the clip (path and mtime), the size, the frame rate."""
    try:
        mtime = clip.stat().st_mtime_ns
    except OSError as err:
        raise PreencodeError(f"clip {clip}: {err.strerror or err}") from err
    size_text = "source" if size is None else f"{size[0]}x{size[1]}"
    text = f"{CACHE_VERSION}|{clip.resolve()}|{mtime}|{size_text}|{fps}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def encode_command(clip: Path, out: Path, size: tuple[int, int] | None, fps: Fraction) -> list[str]:
    """ffmpeg: the clip at `fps` (and `size`, fit and padded) as Annex-B H.264, IDR every second."""
    gop = str(max(1, round(fps)))
    filters = [f"fps={fps}"]
    if size is not None:
        w, h = size
        filters += [
            f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2",
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2",
        ]
    else:
        filters.append("scale=trunc(iw/2)*2:trunc(ih/2)*2")  # yuv420p needs even sizes
    filters += ["setsar=1", "format=yuv420p"]
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip),
        "-an", "-sn", "-dn", "-vf", ",".join(filters), "-c:v", "libx264", "-preset", "veryfast",
        "-crf", "23", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-bf", "0",
        "-x264-params", "repeat-headers=1", "-f", "h264", str(out),
    ]  # fmt: skip


def preencode(
    clip: Path,
    *,
    size: tuple[int, int] | None,
    fps: Fraction,
    directory: Path | None = None,
) -> Path:
    """The cached Annex-B file of `clip` at `size`/`fps`, encoding it first if needed."""
    key = cache_key(clip, size, fps)
    with _guard:
        if key in _failed:
            raise PreencodeError(_failed[key])
        lock = _key_locks.setdefault(key, threading.Lock())
    folder = directory or cache_dir()
    out = folder / f"{_safe_stem(clip)}-{key}.h264"
    with lock:
        if out.is_file():
            return out
        if key in _failed:
            raise PreencodeError(_failed[key])
        folder.mkdir(parents=True, exist_ok=True)
        with _file_lock(folder / f".{key}.lock"):
            if out.is_file():  # another process finished it while we waited
                return out
            try:
                _encode(clip, out, size, fps)
            except PreencodeError as err:
                with _guard:
                    _failed[key] = str(err)
                raise
    return out


def _encode(clip: Path, out: Path, size: tuple[int, int] | None, fps: Fraction) -> None:
    """Encode into a temporary file and rename it into place (raises PreencodeError)."""
    if shutil.which("ffmpeg") is None:
        raise PreencodeError("ffmpeg is not installed")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    log.info("pre-encoding %s (%s, %s fps) -> %s", clip, _size_text(size), fps, out)
    try:
        done = subprocess.run(
            encode_command(clip, tmp, size, fps),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=ENCODE_TIMEOUT_S,
            check=False,
        )
        reason = done.stderr.decode(errors="replace").strip()[-ERROR_TAIL_CHARS:]
        if done.returncode != 0:
            raise PreencodeError(
                f"cannot encode clip {clip}: ffmpeg exited {done.returncode}: {reason or '?'}"
            )
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise PreencodeError(f"cannot encode clip {clip}: no video frames")
        os.replace(tmp, out)
    except subprocess.TimeoutExpired as err:
        raise PreencodeError(f"cannot encode clip {clip}: over {ENCODE_TIMEOUT_S} s") from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def load_access_units(path: Path) -> tuple[AccessUnit, ...]:
    """The access units of a cached Annex-B file (read once per process, then shared)."""
    from workers.simulator.rtsp import AccessUnitAssembler, AnnexBSplitter

    with _guard:
        cached = _units.get(path)
    if cached is not None:
        return cached
    splitter, assembler = AnnexBSplitter(), AccessUnitAssembler()
    nals = splitter.feed(path.read_bytes()) + splitter.flush()
    units = [u for nal in nals if (u := assembler.push(nal)) is not None]
    if (last := assembler.flush()) is not None:
        units.append(last)
    if not units or not units[0].is_idr:
        raise PreencodeError(f"{path}: no frames, or the first is not an IDR (delete it)")
    with _guard:
        _units[path] = tuple(units)
    return _units[path]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock between processes (released when the file is closed)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _safe_stem(clip: Path) -> str:
    """A readable, filesystem-safe part of the cache file name."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in clip.stem)
    return stem[:40] or "clip"


def _size_text(size: tuple[int, int] | None) -> str:
    return "source size" if size is None else f"{size[0]}x{size[1]}"
