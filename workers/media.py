"""Event media: snapshot JPEG with boxes drawn, pre/post-event MP4 (H.264, browser-playable, written
by an `ffmpeg` subprocess) from a ring buffer, faces blurred by default (privacy).

What is blurred is the union of two sets of regions:

* the head region of every person box (its top `head_fraction`, central part), which does not
  depend on seeing a face — CCTV mostly sees heads from above or behind;
* every face found by BlazeFace full range (`workers.detectors.plugins.openvino_face`),
  padded by `face_padding`, so a face stays hidden when the person detector missed its body.

The face model is built once per process on first use (from the cached mediapipe wheel, never
downloaded here). Without it, media keep working with head-region blur only (logged once).
The snapshot is blurred at full resolution; clip frames are kept unblurred in memory at
`clip_width` and blurred when a clip is written, so face detection runs only on stored frames.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from pydantic import BaseModel, Field

from workers.stream.sampling import downscale

if TYPE_CHECKING:
    from workers.detectors.base import Detector

log = logging.getLogger(__name__)
Box = Sequence[float]
Region = tuple[int, int, int, int]
CLIP_ENCODE_TIMEOUT_S = 120.0  # ffmpeg's time to finish a clip after its last frame


class MediaConfig(BaseModel):
    """What is stored per event."""

    blur_heads: bool = True
    head_fraction: float = Field(default=0.22, gt=0, le=1, description="top share of a person box")
    blur_faces: bool = Field(default=True, description="also blur faces found by BlazeFace")
    face_min_score: float = Field(
        default=0.5, ge=0.05, le=0.99, description="BlazeFace probability for a face to be blurred"
    )
    face_padding: float = Field(
        default=0.25, ge=0, le=1, description="added to each side of a face box, share of its size"
    )
    face_max_width: int = Field(
        default=1920, ge=320, le=7680, description="wider frames are downscaled to find faces"
    )
    blur_kernel: int = Field(
        default=31, ge=3, le=199, description="Gaussian kernel, odd; grows to 1/3 of a region"
    )
    snapshot_width: int = Field(default=960, ge=64, le=4096, description="JPEG width at most")
    jpeg_quality: int = Field(default=85, ge=10, le=100)
    pre_s: float = Field(default=5.0, ge=0, le=120, description="clip seconds before the event")
    post_s: float = Field(default=5.0, ge=0, le=120, description="clip seconds after the event")
    clip_width: int = Field(default=640, ge=64, le=1920, description="clip frame width")
    ring_jpeg_quality: int = Field(
        default=90, ge=50, le=100, description="JPEG quality of the frames kept for clips"
    )
    clip_crf: int = Field(
        default=26, ge=16, le=40, description="H.264 constant rate factor (lower: larger, sharper)"
    )
    max_pending_clips: int = Field(
        default=4,
        ge=0,
        le=100,
        description="events waiting for the media thread that may hold clip frames; "
        "later ones are stored without a clip (0: no clips)",
    )


# -- face detector: one per process, or None when the model is unavailable -------------------
_face_lock = threading.Lock()
_face_detectors: dict[float, Detector | None] = {}


def _load_face_detector(min_score: float) -> Detector | None:
    try:
        from workers.detectors.plugins.openvino_face import BlazeFaceDetector, FaceConfig
        from workers.models import ensure_model

        ensure_model("face_detection", "fp32", download=False)  # never download while publishing
        return BlazeFaceDetector(FaceConfig(score_threshold=min_score))
    except (ImportError, OSError, RuntimeError) as err:  # ModelFetchError is a RuntimeError
        log.warning("face detector unavailable, blurring person head regions only: %s", err)
        return None


def face_detector(min_score: float) -> Detector | None:
    """The process-wide BlazeFace detector for `min_score`, or None without the model."""
    with _face_lock:
        if min_score not in _face_detectors:
            _face_detectors[min_score] = _load_face_detector(min_score)
        return _face_detectors[min_score]


def reset_face_detectors() -> None:
    """Close and forget the cached face detectors (tests, worker shutdown)."""
    with _face_lock:
        for detector in _face_detectors.values():
            if detector is not None:
                detector.close()
        _face_detectors.clear()


# -- regions -----------------------------------------------------------------------------------
def _clip_region(x1: float, y1: float, x2: float, y2: float, w: int, h: int) -> Region | None:
    r = (int(max(0, x1)), int(max(0, y1)), int(min(w, np.ceil(x2))), int(min(h, np.ceil(y2))))
    return r if r[2] - r[0] >= 2 and r[3] - r[1] >= 2 else None


def head_regions(person_boxes: Iterable[Box], config: MediaConfig, w: int, h: int) -> list[Region]:
    """The central top `head_fraction` of each person box, clipped to a `w` x `h` image."""
    regions = []
    for x1, y1, x2, y2 in person_boxes:
        bw, bh = x2 - x1, y2 - y1
        r = _clip_region(x1 + 0.15 * bw, y1, x2 - 0.15 * bw, y1 + config.head_fraction * bh, w, h)
        if r is not None:
            regions.append(r)
    return regions


def face_regions(image: np.ndarray, config: MediaConfig) -> list[Region]:
    """Padded face boxes in `image`; empty when the model is unavailable or fails."""
    detector = face_detector(config.face_min_score)
    if detector is None:
        return []
    h, w = image.shape[:2]
    scale = min(1.0, config.face_max_width / w)
    try:
        faces = detector.detect(image if scale == 1.0 else downscale(image, config.face_max_width))
    except (ValueError, RuntimeError) as err:
        log.warning("face detection failed on a %s frame: %s", image.shape, err)
        return []
    regions = []
    for face in faces:
        x1, y1, x2, y2 = (v / scale for v in face.box)
        px, py = config.face_padding * (x2 - x1), config.face_padding * (y2 - y1)
        r = _clip_region(x1 - px, y1 - py, x2 + px, y2 + py, w, h)
        if r is not None:
            regions.append(r)
    return regions


def blur_regions(image: np.ndarray, regions: Iterable[Region], config: MediaConfig) -> np.ndarray:
    """Copy of `image` with each region Gaussian-blurred (kernel at least 1/3 of its side)."""
    out = image.copy()
    for x1, y1, x2, y2 in regions:
        k = max(config.blur_kernel, min(x2 - x1, y2 - y1) // 3) | 1
        out[y1:y2, x1:x2] = cv2.GaussianBlur(out[y1:y2, x1:x2], (k, k), 0)
    return out


def blur_private(image: np.ndarray, person_boxes: Iterable[Box], config: MediaConfig) -> np.ndarray:
    """Copy of `image` with what `config` asks for blurred: head regions and/or faces."""
    h, w = image.shape[:2]
    regions = head_regions(person_boxes, config, w, h) if config.blur_heads else []
    if config.blur_faces:
        regions += face_regions(image, config)
    return blur_regions(image, regions, config)


def draw_boxes(image: np.ndarray, boxes: Iterable[tuple[Box, str]]) -> np.ndarray:
    """Copy of `image` with labelled boxes."""
    out = image.copy()
    for box, label in boxes:
        x1, y1, x2, y2 = (round(v) for v in box)
        cv2.rectangle(out, (x1, y1), (x2, y2), (0, 0, 255), 2)
        if label:
            cv2.putText(
                out, label, (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1
            )
    return out


def snapshot_jpeg(
    image: np.ndarray,
    *,
    event_box: Box | None,
    label: str,
    person_boxes: Sequence[Box] = (),
    config: MediaConfig | None = None,
) -> bytes:
    """JPEG bytes: faces and heads blurred, event box drawn, scaled to `snapshot_width` at most."""
    config = config or MediaConfig()
    img = blur_private(image, person_boxes, config)
    img = draw_boxes(img, [(event_box, label)] if event_box is not None else [])
    if img.shape[1] > config.snapshot_width:
        scale = config.snapshot_width / img.shape[1]
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(data)


class BufferedFrame:
    """A downscaled frame kept for clips with its person boxes; blurred when written.

    Frames in a `FrameRing` are kept JPEG-compressed (`compressed`): a camera keeps ~40 s of
    them, about 140 MB raw at 640x360 and 5 fps but ~10 MB as JPEG; `image` decodes on use.
    """

    __slots__ = ("_image", "_jpeg", "person_boxes", "t_s")

    def __init__(
        self, t_s: float, image: np.ndarray | None, person_boxes: tuple[Box, ...] = ()
    ) -> None:
        self.t_s = t_s
        self._image = image
        self._jpeg: bytes | None = None
        self.person_boxes = person_boxes

    @classmethod
    def compressed(
        cls, t_s: float, image: np.ndarray, person_boxes: tuple[Box, ...], quality: int
    ) -> BufferedFrame:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise ValueError("JPEG encoding of a buffered frame failed")
        frame = cls(t_s, None, person_boxes)
        frame._jpeg = bytes(data)
        return frame

    @property
    def image(self) -> np.ndarray:
        if self._image is not None:
            return self._image
        assert self._jpeg is not None
        image = cv2.imdecode(np.frombuffer(self._jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError("a buffered frame could not be decoded")
        decoded: np.ndarray = image
        return decoded

    @property
    def nbytes(self) -> int:
        return len(self._jpeg) if self._jpeg is not None else int(self.image.nbytes)


class FrameRing:
    """The last `pre_s + post_s + margin` seconds of analysed frames, downscaled, as JPEG."""

    def __init__(self, config: MediaConfig | None = None, margin_s: float = 30.0) -> None:
        self.config = config or MediaConfig()
        self.keep_s = self.config.pre_s + self.config.post_s + margin_s
        self._frames: deque[BufferedFrame] = deque()

    def add(self, t_s: float, image: np.ndarray, person_boxes: Sequence[Box] = ()) -> None:
        """Keep one frame (compressed, at `clip_width` at most) and its person boxes."""
        cfg = self.config
        boxes = tuple(tuple(float(v) for v in b) for b in person_boxes)
        if image.shape[1] > cfg.clip_width:
            scale = cfg.clip_width / image.shape[1]
            image = downscale(image, cfg.clip_width)
            boxes = tuple(tuple(v * scale for v in b) for b in boxes)
        self._frames.append(BufferedFrame.compressed(t_s, image, boxes, cfg.ring_jpeg_quality))
        while self._frames and t_s - self._frames[0].t_s > self.keep_s:
            self._frames.popleft()

    @property
    def nbytes(self) -> int:
        """Memory the kept frames take."""
        return sum(f.nbytes for f in self._frames)

    def between(self, start_s: float, end_s: float) -> list[BufferedFrame]:
        """Frames with start_s <= t <= end_s (not blurred)."""
        return [f for f in self._frames if start_s <= f.t_s <= end_s]

    def clip_frames(self, start_s: float, end_s: float) -> list[BufferedFrame]:
        """The frames of a clip of [start - pre_s, end + post_s] (kept after the ring moves on)."""
        return self.between(start_s - self.config.pre_s, end_s + self.config.post_s)


def _ffmpeg_h264_command(ffmpeg: str, w: int, h: int, fps: float, crf: int, out: Path) -> list[str]:
    """ffmpeg reading raw BGR frames of `w` x `h` on stdin, writing browser-playable MP4: H.264
    (libx264, yuv420p), moov atom first (`+faststart`), a keyframe every ~2 s for seeking."""
    rate = Fraction(fps).limit_denominator(1000)
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}",
        "-framerate", f"{rate.numerator}/{rate.denominator}", "-i", "pipe:0",
        "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
        "-g", str(max(1, round(2 * fps))), "-pix_fmt", "yuv420p",
        "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip


def write_clip_frames(path: Path, frames: Sequence[BufferedFrame], config: MediaConfig) -> int:
    """H.264 MP4 of `frames` at their own frame rate, every frame blurred like the snapshot;
    returns the frames written (0 when there are fewer than two or the clip could not be written).

    Frames are blurred one at a time and streamed into an `ffmpeg` subprocess (memory stays at a
    frame or two), cropped to even dimensions (yuv420p needs them). ffmpeg writes a temporary
    file next to `path` that is renamed only on success: `path` is never half-written. ffmpeg
    missing or failing is logged as an error and costs the clip only.
    """
    if len(frames) < 2:
        return 0
    fps = max(1.0, (len(frames) - 1) / max(frames[-1].t_s - frames[0].t_s, 1e-3))
    h, w = frames[0].image.shape[:2]
    ew, eh = w - w % 2, h - h % 2
    if ew < 2 or eh < 2:
        log.error("clip %s not written: frames of %dx%d are too small", path, w, h)
        return 0
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        log.error("clip %s not written: ffmpeg is not installed (the bootstrap installs it)", path)
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    written = 0
    ok = False
    with tempfile.TemporaryFile() as stderr:
        try:
            proc = subprocess.Popen(
                _ffmpeg_h264_command(ffmpeg, ew, eh, fps, config.clip_crf, tmp),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        except OSError as err:
            log.error("clip %s not written: cannot start %s: %s", path, ffmpeg, err)
            return 0
        assert proc.stdin is not None
        try:
            try:
                for f in frames:
                    image = f.image  # decoded from JPEG on each access: once per frame
                    if image.shape[:2] != (h, w):
                        continue
                    frame = blur_private(image, f.person_boxes, config)[:eh, :ew]
                    proc.stdin.write(np.ascontiguousarray(frame).tobytes())
                    written += 1
                proc.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg exited early; its status and message are reported below
            rc = proc.wait(timeout=CLIP_ENCODE_TIMEOUT_S)
            if rc == 0 and written > 0:
                os.replace(tmp, path)
                ok = True
            else:
                stderr.seek(0)
                message = stderr.read()[-2000:].decode(errors="replace").strip()
                log.error("clip %s not written: ffmpeg exited with %s: %s", path, rc, message)
        except subprocess.TimeoutExpired:
            log.error("clip %s not written: ffmpeg took over %.0f s", path, CLIP_ENCODE_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            with contextlib.suppress(OSError):
                proc.stdin.close()
            if not ok:
                tmp.unlink(missing_ok=True)
    return written if ok else 0
