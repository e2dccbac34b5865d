"""Evaluation helpers: confusion counts, the persistence logic, cross-validation groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.shared_data import shared_path
from workers.rules.evaluation import Clip, Scores, fall_clips, fight_clips, grid, persisted


def test_scores_and_rates() -> None:
    s = Scores()
    for positive, predicted in [(1, 1), (1, 1), (1, 0), (0, 0), (0, 1), (0, 0)]:
        s.add(Clip(Path(f"c{len(s.errors)}.mp4"), bool(positive), "g"), bool(predicted))
    assert (s.tp, s.fp, s.fn, s.tn) == (2, 1, 1, 2)
    assert s.precision == 2 / 3 and s.recall == 2 / 3 and s.accuracy == 4 / 6
    assert len(s.errors) == 2


def test_persistence_needs_consecutive_windows() -> None:
    assert persisted(np.array([0.9, 0.1, 0.9, 0.9]), 0.5, 2)
    assert not persisted(np.array([0.9, 0.1, 0.9, 0.1]), 0.5, 2)
    assert len(grid({"a": [1, 2], "b": [3, 4, 5]})) == 6


def test_groups_keep_related_clips_on_one_side() -> None:
    root = shared_path("footage")
    falls = fall_clips(root)
    by_group: dict[str, set[str]] = {}
    for c in falls:
        by_group.setdefault(c.group, set()).add(c.path.name)
    assert by_group["upfall_S1_A1_T2"] == {"upfall_S1_A1_T2_Cam1.mp4", "upfall_S1_A1_T2_Cam2.mp4"}
    fights = {c.path.name: c.group for c in fight_clips(root, more=False)}
    assert fights["fi013.mp4"] == fights["fi014.mp4"]  # same source video in the CSV
    assert len(fights) == 63


def test_eval_behaviours_cli_prints_a_row_per_behaviour(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    fire = shared_path("footage/fire/emoykim_test5.avi")
    neon = shared_path("footage/nofire/emoykim_test7.avi")
    (tmp_path / "labels.json").write_text(
        json.dumps({"fire": [str(fire)], "nofire": [str(neon)], "fight": [], "nonfight": []})
    )
    done = subprocess.run(
        [sys.executable, "-m", "workers", "eval-behaviours", "--only", "fire", "--json",
         "--footage", str(tmp_path)],
        cwd=Path(__file__).resolve().parents[3], capture_output=True, text=True, timeout=300,
        check=True,
    )  # fmt: skip
    row = json.loads(done.stdout.splitlines()[0])
    assert (row["type"], row["tp"], row["tn"], row["fp"], row["fn"]) == ("fire", 1, 1, 0, 0)
    assert row["precision"] == 1.0 and row["recall"] == 1.0
