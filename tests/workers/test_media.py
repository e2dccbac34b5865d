"""Snapshots and clips: boxes drawn, heads and faces blurred, pre/post-event window."""

from __future__ import annotations

import json
import logging
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_data import shared_path
from tests.workers.conftest import require_face_model
from tests.workers.synthetic import textured_background
from workers import media
from workers.detectors.base import Detection, Detector
from workers.media import FrameRing, MediaConfig, blur_private, snapshot_jpeg, write_clip_frames


def test_head_region_is_blurred_and_the_rest_untouched() -> None:
    img = textured_background(4, (400, 300))
    person = (100, 50, 180, 250)
    out = blur_private(img, [person], MediaConfig(blur_faces=False))
    head = (slice(50, 90), slice(115, 165))
    assert np.abs(out[head].astype(int) - img[head].astype(int)).mean() > 3
    assert cv2.Laplacian(out[head], cv2.CV_64F).var() < cv2.Laplacian(img[head], cv2.CV_64F).var()
    assert np.array_equal(out[120:250, :], img[120:250, :])  # below the head: unchanged


def test_snapshot_is_a_jpeg_with_the_event_box() -> None:
    img = np.zeros((240, 320, 3), np.uint8)
    data = snapshot_jpeg(img, event_box=(50, 60, 150, 200), label="fall")
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and data[:2] == b"\xff\xd8" and decoded.shape == (240, 320, 3)
    assert decoded[60, 100, 2] > 150  # red box edge


def ffprobe(path: Path) -> dict:
    """The video stream of `path` as ffprobe reports it, frames counted by decoding."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
         "stream=codec_name,pix_fmt,width,height,nb_read_frames,avg_frame_rate:format=duration",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(out.stdout)
    return {**data["streams"][0], "duration": float(data["format"]["duration"])}


def top_level_atoms(path: Path) -> list[str]:
    """The MP4 box types at the top level of `path`, in file order."""
    data, atoms, pos = path.read_bytes(), [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        atoms.append(kind.decode("latin-1"))
        if size < 8:
            break
        pos += size
    return atoms


def test_clip_covers_pre_and_post_event_seconds(tmp_path: Path) -> None:
    ring = FrameRing(MediaConfig(pre_s=2, post_s=1, clip_width=160))
    for i in range(100):  # 20 s at 5 fps
        ring.add(i * 0.2, np.full((240, 320, 3), i, np.uint8))
    path = tmp_path / "clip.mp4"
    written = write_clip_frames(path, ring.clip_frames(10.0, 12.0), ring.config)
    assert written == 26  # 8 s … 13 s at 5 fps
    info = ffprobe(path)
    assert int(info["nb_read_frames"]) == 26 and (info["width"], info["height"]) == (160, 120)
    assert info["avg_frame_rate"] == "5/1" and info["duration"] == pytest.approx(5.2, abs=0.05)


def test_clip_is_browser_playable_h264_with_the_index_first(tmp_path: Path) -> None:
    """Chromium plays H.264 yuv420p; `+faststart` puts moov before mdat so it can start early."""
    frames = [
        media.BufferedFrame(i / 7, textured_background(i, (161, 121)))  # odd size, 7 fps
        for i in range(21)
    ]
    path = tmp_path / "clip.mp4"
    assert write_clip_frames(path, frames, MediaConfig(blur_faces=False)) == 21
    info = ffprobe(path)
    assert (info["codec_name"], info["pix_fmt"]) == ("h264", "yuv420p")
    assert (info["width"], info["height"]) == (160, 120)  # cropped to even dimensions
    assert int(info["nb_read_frames"]) == 21 and info["duration"] == pytest.approx(3.0, abs=0.05)
    atoms = top_level_atoms(path)
    assert "moov" in atoms and "mdat" in atoms and atoms.index("moov") < atoms.index("mdat")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_clip_frames_are_blurred_in_the_written_file(tmp_path: Path) -> None:
    img = textured_background(8, (320, 240))
    img[20:80, 100:160] = 255 * (np.indices((60, 60)).sum(0) % 2)[..., None]  # a sharp "head"
    person = (90, 20, 170, 230)
    frames = [media.BufferedFrame(i * 0.2, img, (person,)) for i in range(10)]
    config = MediaConfig(blur_faces=False)
    path = tmp_path / "clip.mp4"
    assert write_clip_frames(path, frames, config) == 10
    cap = cv2.VideoCapture(str(path))
    decoded = [cap.read()[1] for _ in range(10)]
    head = (slice(22, 60), slice(104, 156))
    below = (slice(120, 230), slice(0, 320))
    for frame in decoded:
        assert frame is not None and frame.shape == (240, 320, 3)
        assert _sharpness(frame[head]) < 0.2 * _sharpness(img[head])
        # what is not blurred survives the encoder (H.264 is lossy: close, not equal)
        assert np.abs(frame[below].astype(int) - img[below].astype(int)).mean() < 8


def test_without_ffmpeg_no_clip_is_written_and_it_is_logged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    frames = [media.BufferedFrame(i * 0.2, np.zeros((64, 64, 3), np.uint8)) for i in range(5)]
    path = tmp_path / "out" / "clip.mp4"
    with caplog.at_level(logging.ERROR, logger="workers.media"):
        assert write_clip_frames(path, frames, MediaConfig(blur_faces=False)) == 0
    assert "ffmpeg is not installed" in caplog.text
    assert not path.exists()


def test_a_failing_ffmpeg_leaves_no_file_and_logs_its_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ffmpeg that dies after writing part of its output: neither the clip nor a part remains."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ffmpeg"
    fake.write_text(
        '#!/bin/sh\nfor a; do out="$a"; done\nhead -c 1000 > "$out"\n'
        'echo "Unknown encoder libx264" >&2\nexit 1\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    frames = [media.BufferedFrame(i * 0.2, np.zeros((240, 320, 3), np.uint8)) for i in range(20)]
    out_dir = tmp_path / "out"
    with caplog.at_level(logging.ERROR, logger="workers.media"):
        assert write_clip_frames(out_dir / "clip.mp4", frames, MediaConfig(blur_faces=False)) == 0
    assert "Unknown encoder libx264" in caplog.text and "exited with 1" in caplog.text
    assert list(out_dir.iterdir()) == []


# -- faces -----------------------------------------------------------------------------------
FACE = (slice(248, 304), slice(420, 476))  # where the pasted face lies (x 420-476, y 248-304)
PATCH = (slice(200, 360), slice(380, 520))
PERSON = (60, 40, 140, 300)  # a person box far from the face


def _sharpness(image: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


@pytest.fixture
def face_scene() -> np.ndarray:
    """Textured 640x480 scene with a real frontal face (Penn-Fudan, 2x) outside any person box."""
    photo = cv2.imread(str(shared_path("footage/pedestrians/images/FudanPed00040.jpg")))
    assert photo is not None
    img = textured_background(5, (640, 480))
    img[PATCH] = cv2.resize(photo[150:230, 290:360], (140, 160), interpolation=cv2.INTER_CUBIC)
    img[40:100, 60:140] = np.kron(np.indices((15, 20)).sum(0) % 2, np.ones((4, 4)))[..., None] * 255
    return img


@pytest.fixture
def face_model() -> Iterator[None]:
    require_face_model()
    media.reset_face_detectors()
    yield
    media.reset_face_detectors()


class _OneFace(Detector):
    key = "one_face"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return [Detection("face", 0.9, (420.0, 248.0, 476.0, 304.0))]


def _outside(image: np.ndarray, *regions: tuple[slice, slice]) -> np.ndarray:
    mask = np.ones(image.shape[:2], bool)
    for r in regions:
        mask[r] = False
    return image[mask]


def test_faces_found_by_the_detector_are_blurred_and_nothing_else_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    img = textured_background(6, (640, 480))
    monkeypatch.setattr(media, "face_detector", lambda min_score: _OneFace())
    out = blur_private(img, [], MediaConfig())
    assert _sharpness(out[FACE]) < 0.2 * _sharpness(img[FACE])
    padded = (slice(234, 318), slice(406, 490))  # face_padding 0.25 of 56 px on each side
    assert np.array_equal(_outside(out, padded), _outside(img, padded))
    kept = blur_private(img, [], MediaConfig(blur_faces=False))
    assert np.array_equal(kept, img)


def test_a_real_face_outside_any_person_box_is_blurred_in_the_snapshot(
    face_model: None, face_scene: np.ndarray
) -> None:
    out = blur_private(face_scene, [PERSON], MediaConfig())
    assert _sharpness(out[FACE]) < 0.2 * _sharpness(face_scene[FACE])
    head = (slice(40, 98), slice(72, 128))  # head region of PERSON: blurred as before
    assert _sharpness(out[head]) < 0.5 * _sharpness(face_scene[head])
    assert np.array_equal(_outside(out, PATCH, head), _outside(face_scene, PATCH, head))
    data = snapshot_jpeg(face_scene, event_box=None, label="", person_boxes=[PERSON])
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and _sharpness(decoded[FACE]) < 0.2 * _sharpness(face_scene[FACE])


def test_every_clip_frame_has_the_face_blurred(
    face_model: None, face_scene: np.ndarray, tmp_path: Path
) -> None:
    sharp = {}
    for blur in (True, False):
        ring = FrameRing(MediaConfig(pre_s=1, post_s=1, blur_faces=blur))
        for i in range(10):
            ring.add(i * 0.2, face_scene)
        path = tmp_path / f"{blur}.mp4"
        assert write_clip_frames(path, ring.clip_frames(0.8, 1.0), ring.config) == 10
        cap = cv2.VideoCapture(str(path))
        frames = [cap.read()[1] for _ in range(10)]
        sharp[blur] = [_sharpness(f[FACE]) for f in frames]
    assert max(sharp[True]) < 0.2 * min(sharp[False]), sharp


def test_without_the_face_model_heads_are_still_blurred_and_it_is_logged_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HAECHI_VAR", str(tmp_path))  # no wheel, no model, no download
    media.reset_face_detectors()
    img = textured_background(7, (640, 480))
    img[40:100, 60:140] = 255 * (np.indices((60, 80)).sum(0) % 2)[..., None]  # a sharp "head"
    try:
        with caplog.at_level(logging.WARNING, logger="workers.media"):
            out = blur_private(img, [PERSON], MediaConfig())
            again = snapshot_jpeg(img, event_box=None, label="", person_boxes=[PERSON])
    finally:
        media.reset_face_detectors()
    assert np.array_equal(out, blur_private(img, [PERSON], MediaConfig(blur_faces=False)))
    assert not np.array_equal(out, img) and again[:2] == b"\xff\xd8"
    warnings = [r.message for r in caplog.records if "face detector unavailable" in r.message]
    assert len(warnings) == 1  # once, though two images were blurred


def test_faces_are_found_on_a_downscaled_copy_of_very_wide_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[int, ...]] = []

    class HalfSizeFace(Detector):
        key = "half_size_face"

        def detect(self, frame: np.ndarray) -> list[Detection]:
            seen.append(frame.shape)
            return [Detection("face", 0.9, (210.0, 124.0, 238.0, 152.0))]

    monkeypatch.setattr(media, "face_detector", lambda min_score: HalfSizeFace())
    regions = media.face_regions(np.zeros((480, 640, 3), np.uint8), MediaConfig(face_max_width=320))
    assert seen == [(240, 320, 3)] and regions == [(406, 234, 490, 318)]


def test_the_ring_keeps_frames_compressed_and_gives_them_back_whole() -> None:
    """40 s of 5 fps 720p frames: raw at 640 px they would take ~140 MB per camera."""
    ring = media.FrameRing(media.MediaConfig())
    scenes = [textured_background(i, (1280, 720)) for i in range(4)]
    for i in range(200):
        ring.add(i / 5, scenes[i % 4], [(100.0, 100.0, 200.0, 400.0)])
    assert ring.nbytes < 25_000_000
    frames = ring.clip_frames(30.0, 30.0)
    assert len(frames) == 51
    first = frames[0]
    assert first.image.shape == (360, 640, 3) and first.person_boxes == (
        (50.0, 50.0, 100.0, 200.0),
    )
    expected = cv2.resize(
        scenes[round(first.t_s * 5) % 4], (640, 360), interpolation=cv2.INTER_AREA
    )
    assert np.abs(first.image.astype(int) - expected.astype(int)).mean() < 4  # JPEG, not a copy
