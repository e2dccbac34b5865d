"""Rules on the real labelled footage in ../shared/data/footage (skipped when it is absent).

These clips were also used to choose thresholds (see eval-behaviours for cross-validated
numbers); here they guard the chain file → frames → rule → event against regressions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_data import shared_path
from workers.pipeline import Pipeline, PipelineConfig, analyse_file
from workers.rules.registry import SceneConfig
from workers.stream.decode import Frame

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]


def kinds(path: Path, **scene: object) -> list[str]:
    events, _ = analyse_file(
        path, scene=SceneConfig.model_validate(scene), config=PipelineConfig(detector=None)
    )
    return [e.type for e in events]


def test_analyze_finds_the_fight_in_a_fight_clip_and_nothing_in_a_quiet_one() -> None:
    fight = shared_path("footage/fight/fi013.mp4")
    quiet = shared_path("footage/nonfight/nofi004.mp4")
    out = subprocess.run(
        [sys.executable, "-m", "workers", "analyze", str(fight), "--json", "--detector", "none"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "fight" in [json.loads(line)["type"] for line in out.stdout.splitlines()]
    assert kinds(quiet) == []


def test_fall_clip_gives_a_fall_and_lying_down_slowly_does_not() -> None:
    assert "fall" in kinds(shared_path("footage/fall/upfall_S1_A1_T2_Cam1.mp4"))
    lying = kinds(shared_path("footage/nofall/upfall_S1_A11_T2_Cam1.mp4"))
    assert "fall" not in lying


@pytest.mark.parametrize(
    "clip",
    [
        "fall/upfall_S1_A1_T2_Cam1.mp4",  # falling forward: one person, fast, not a fight
        "fall/upfall_S1_A3_T2_Cam1.mp4",  # falling backward
        "nofall/upfall_S1_A7_T3_Cam1.mp4",  # 43 s of daily activity in the lab
    ],
)
def test_the_fight_rule_stays_quiet_when_one_person_falls_or_moves_about(clip: str) -> None:
    # The fight model trained without these (eval-behaviours --no-hard-negatives) fired on all.
    assert "fight" not in kinds(shared_path(f"footage/{clip}"))


def test_fire_clip_gives_fire_and_the_neon_sign_does_not() -> None:
    assert "fire" in kinds(shared_path("footage/fire/emoykim_test5.avi"))
    assert "fire" not in kinds(shared_path("footage/nofire/emoykim_test7.avi"))


def _looped_frames(path: Path, seconds: float, fps: float = 5.0) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    assert frames, f"cannot read {path}"
    native = cap.get(cv2.CAP_PROP_FPS) or 12.5
    step = max(1, round(native / fps))
    loop = frames[::step]
    loop = loop + loop[::-1]  # ping-pong: no jump at the loop boundary
    return [loop[i % len(loop)] for i in range(int(seconds * fps))]


def test_a_bag_left_in_a_real_shop_aisle_is_abandonment() -> None:
    """Composed scene: real footage of shoppers, a real image patch placed on the floor at 4 s."""
    scene = _looped_frames(shared_path("footage/pedestrians/video/store-aisle-detection.gif"), 30)
    photo = cv2.imread(str(shared_path("footage/pedestrians/images/FudanPed00001.jpg")))
    bag = cv2.resize(photo[200:260, 20:80], (36, 30))
    scene_cfg = {"rules": {"abandonment": {"static_s": 8.0}, "fight": {"enabled": False}}}

    def run(with_bag: bool) -> list:
        pipeline = Pipeline(
            PipelineConfig(detector=None), SceneConfig.model_validate(scene_cfg), detector=None
        )
        events = []
        for i, img in enumerate(scene):
            img = img.copy()
            if with_bag and i >= 20:
                img[225:255, 60:96] = bag
            events += pipeline.process(Frame(i, i / 5, img))
        return [e for e in events + pipeline.finish() if e.type == "abandonment"]

    found = run(with_bag=True)
    assert len(found) == 1
    x1, y1, x2, y2 = found[0].box
    assert x1 <= 78 <= x2 and y1 <= 240 <= y2  # where the bag is
    assert 11.5 <= found[0].start_s <= 14  # placed at 4 s, static for 8 s
    assert run(with_bag=False) == []
