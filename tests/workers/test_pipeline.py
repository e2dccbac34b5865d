"""The whole pipeline on synthetic videos, and `python -m workers analyze` (DESIGN.md §3)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.workers.synthetic import write_video
from workers.pipeline import Pipeline, PipelineConfig, analyse_file
from workers.rules.registry import SceneConfig

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Det:
    label: str
    score: float
    box: tuple[float, float, float, float]


class WhiteBlobDetector:
    """A stand-in person detector: white rectangles are people."""

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame: np.ndarray) -> list[Det]:
        self.calls += 1
        mask = (frame.min(axis=2) > 240).astype(np.uint8)
        _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        return [
            Det("person", 0.9, (float(x), float(y), float(x + w), float(y + h)))
            for x, y, w, h, area in stats[1:]
            if area > 200
        ]


def _walker(i: int, img: np.ndarray) -> None:
    x = 10 + 2 * i  # 50 px/s at 25 fps: walking pace for a 60 px tall person
    cv2.rectangle(img, (x, 120), (x + 20, 180), (255, 255, 255), -1)


SCENE = {
    "zones": [{"name": "yard", "polygon": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]}],
    "rules": {
        "intrusion": {"zones": ["yard"]},
        "loitering": {"zones": ["yard"], "dwell_s": 2.0},
        "fight": {"enabled": False},
        "fall": {"enabled": False},
    },
}


def test_walker_entering_a_zone_is_one_intrusion_with_a_track_id(tmp_path: Path) -> None:
    video = write_video(tmp_path / "walk.mp4", frames=150, draw=_walker)  # 6 s
    detector = WhiteBlobDetector()
    events, pipeline = analyse_file(
        video, scene=SceneConfig.model_validate(SCENE), detector=detector, config=PipelineConfig()
    )
    kinds = [e.type for e in events]
    assert kinds.count("intrusion") == 1, kinds
    intrusion = next(e for e in events if e.type == "intrusion")
    # the foot point crosses x = 160 at frame (160 - 20) / 2 = 70 → 2.8 s
    assert 2.6 <= intrusion.start_s <= 3.4 and intrusion.track_ids
    assert "loitering" in kinds  # 6 s − 3 s in the zone > dwell 2 s
    assert pipeline.stats.frames == 30 and detector.calls == pipeline.stats.detected


def test_idle_scene_skips_the_detector_and_reports_nothing(tmp_path: Path) -> None:
    video = write_video(tmp_path / "idle.mp4", frames=250)  # 10 s, nothing moves
    detector = WhiteBlobDetector()
    events, pipeline = analyse_file(video, detector=detector, config=PipelineConfig())
    assert [e.type for e in events] == []
    assert pipeline.gate.stats.skipped_fraction >= 0.8
    assert detector.calls <= 10


def test_frozen_stream_becomes_a_tamper_event(tmp_path: Path) -> None:
    video = write_video(tmp_path / "frozen.mp4", frames=750)  # 30 s of one identical frame
    config = PipelineConfig()
    config.stream.frozen_after_s = 5.0
    pipeline = Pipeline(config, SceneConfig(), detector=None)
    events = list(pipeline.run(video))
    assert [(e.type, e.key) for e in events] == [("tamper", "frozen")]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers", "analyze", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_analyze_cli_prints_one_contract_line_per_event(tmp_path: Path) -> None:
    def blackout(i: int, img: np.ndarray) -> None:
        if i >= 100:
            img[:] = 0

    video = write_video(tmp_path / "black.mp4", frames=300, draw=blackout)  # dark after 4 s
    done = run_cli(str(video), "--json", "--detector", "none")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 1
    assert set(lines[0]) == {"type", "start_s", "end_s", "score", "track_ids", "box"}
    assert lines[0]["type"] == "tamper" and 4.0 <= lines[0]["start_s"] <= 4.5
    assert '"summary"' in done.stderr


def test_analyze_cli_with_a_zones_file_and_a_bad_path(tmp_path: Path) -> None:
    zones = tmp_path / "zones.yaml"
    zones.write_text(
        "zones:\n  - name: lawn\n    polygon: [[0, 0], [1, 0], [1, 1]]\nrules:\n  crowd: {max_people: 2}\n"
    )
    video = write_video(tmp_path / "still.mp4", frames=50)
    assert run_cli(str(video), "--zones", str(zones), "--detector", "none").returncode == 0
    bad = run_cli(str(tmp_path / "missing.mp4"), "--json", "--detector", "none")
    assert bad.returncode == 2 and bad.stdout == ""
    zones.write_text("rules:\n  crowd: {max_people: -4}\n")
    assert run_cli(str(video), "--zones", str(zones), "--detector", "none").returncode != 0


def test_unreachable_camera_is_one_offline_event() -> None:
    config = PipelineConfig(detector=None)
    config.stream = config.stream.model_copy(
        update={"max_reconnects": 2, "reconnect_initial_s": 0.05, "open_timeout_s": 1}
    )
    pipeline = Pipeline(config, SceneConfig(), detector=None)
    events = list(pipeline.run("http://127.0.0.1:9/cam.mjpg"))
    assert [(e.type, e.detail) for e in events] == [("offline", "failed")]


def test_a_window_on_an_unreachable_camera_ends_on_time_with_an_offline_event() -> None:
    import time

    pipeline = Pipeline(PipelineConfig(detector=None), SceneConfig(), detector=None)
    started = time.monotonic()
    events = list(
        pipeline.run("http://127.0.0.1:9/cam.mjpg", stop=lambda: time.monotonic() - started > 1)
    )
    assert time.monotonic() - started < 10  # default backoff would hold it for minutes
    assert [(e.type, e.detail) for e in events] == [("offline", "failed")]


def test_a_failing_rule_is_counted_and_the_others_keep_working(tmp_path: Path) -> None:
    from workers.rules.base import FrameContext, Hit, Rule
    from workers.rules.plugins.tamper import TamperConfig, TamperRule

    class Broken(Rule):
        key = "broken"
        event_type = "broken"

        def process(self, ctx: FrameContext) -> list[Hit]:
            raise RuntimeError("bug")

    def blackout(i: int, img: np.ndarray) -> None:
        if i >= 50:
            img[:] = 0

    video = write_video(tmp_path / "b.mp4", frames=250, draw=blackout)
    pipeline = Pipeline(
        PipelineConfig(detector=None), rules=[Broken(TamperConfig()), TamperRule(TamperConfig())]
    )
    events = list(pipeline.run(video))
    assert [e.type for e in events] == ["tamper"]
    assert pipeline.stats.rule_errors == pipeline.stats.frames == 50


def test_hits_a_rule_flushes_at_the_end_become_events_and_a_broken_flush_is_counted(
    tmp_path: Path,
) -> None:
    from workers.rules.base import FrameContext, Hit, Rule, RuleConfig

    class HoldsItsVerdict(Rule):
        """Sees frames, decides only when the stream ends (like a fight clip too short to fill
        the window)."""

        key = "fight"
        event_type = "fight"

        def process(self, ctx: FrameContext) -> list[Hit]:
            self.last_t = ctx.t_s
            return []

        def flush(self) -> list[Hit]:
            return [Hit("fight", self.last_t, 0.9, key="fight")]

    class BrokenFlush(HoldsItsVerdict):
        key = "broken"

        def flush(self) -> list[Hit]:
            raise RuntimeError("bug")

    video = write_video(tmp_path / "f.mp4", frames=25)
    holds = HoldsItsVerdict(RuleConfig())
    pipeline = Pipeline(PipelineConfig(detector=None), rules=[BrokenFlush(RuleConfig()), holds])
    events = list(pipeline.run(video))
    assert [(e.type, e.score, e.start_s) for e in events] == [("fight", 0.9, holds.last_t)]
    assert holds.last_t > 0 and pipeline.stats.rule_errors == 1


def test_pipeline_detector_uses_one_inference_thread_unless_configured() -> None:
    from workers.pipeline import load_detector

    default = load_detector(PipelineConfig())
    explicit = load_detector(PipelineConfig(detector_config={"num_threads": 2}))
    assert default is not None and explicit is not None
    assert default.config.num_threads == 1  # type: ignore[attr-defined]
    assert default.compiled.get_property("INFERENCE_NUM_THREADS") == 1  # type: ignore[attr-defined]
    assert explicit.config.num_threads == 2  # type: ignore[attr-defined]
