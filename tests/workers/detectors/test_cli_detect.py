"""`python -m workers detect`: JSON lines in original pixels, one clear error per bad file."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from workers.__main__ import main


def test_detect_json_on_good_and_bad_files(
    tmp_path: Path, pedestrians_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = pedestrians_dir / "images" / "FudanPed00001.jpg"
    image = cv2.imread(str(photo))
    grey = tmp_path / "grey.png"
    cv2.imwrite(str(grey), cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    deep = tmp_path / "deep.png"
    cv2.imwrite(str(deep), image.astype(np.uint16) * 257)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(photo.read_bytes()[:300])
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    paths = [photo, truncated, grey, empty, deep, text, tmp_path / "missing.jpg"]

    code = main(["detect", "--model", "person", "--json", *map(str, paths)])

    out, err = capsys.readouterr()
    assert code == 4
    rows = [json.loads(line) for line in out.splitlines()]
    assert [Path(r["file"]).name for r in rows] == ["FudanPed00001.jpg", "grey.png", "deep.png"]
    colour = rows[0]["detections"]
    assert len(colour) == 2 and all(d["label"] == "person" for d in colour)
    assert all(set(d) == {"label", "score", "box"} for d in colour)
    h, w = image.shape[:2]
    for d in colour:
        x1, y1, x2, y2 = d["box"]
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
        assert y2 - y1 > 200  # both people in this photo are over 250 px tall
    assert len(rows[2]["detections"]) == 2  # 16-bit copy of the same photo
    for name in ("truncated.jpg", "empty.jpg", "notes.mp4", "missing.jpg"):
        assert name in err


def test_detect_reads_videos_frame_by_frame(
    tmp_path: Path, pedestrians_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = next((pedestrians_dir / "video").glob("*.gif"))
    assert main(["detect", "--json", "--every", "10", str(clip)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) >= 2 and [r["frame"] for r in rows][:2] == [0, 10]
    assert any(r["detections"] for r in rows)


def test_detect_pose_adds_33_keypoints(
    pedestrians_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = pedestrians_dir / "images" / "FudanPed00002.jpg"
    assert main(["detect", "--model", "pose", "--json", str(photo)]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    person = row["detections"][0]
    assert len(person["keypoints"]) == 33 and person["presence"] > 0.5
