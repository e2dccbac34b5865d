"""Evaluation helpers: confusion counts, the persistence logic, cross-validation groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.shared_data import shared_path
from workers.rules.evaluation import (
    Clip,
    Scores,
    fall_clips,
    fight_clips,
    fight_fault_negatives,
    fight_hard_negatives,
    fight_windows,
    grid,
    persisted,
)


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


def test_fight_hard_negatives_are_other_behaviours_clips_kept_apart() -> None:
    root = shared_path("footage")
    fights = {c.path for c in fight_clips(root)}
    others = fight_hard_negatives(root)
    assert others and all(c.hard_negative and not c.positive for c in others)
    assert not fights & {c.path for c in others}  # nofi094 is also a nofire clip: only once
    assert len({c.path for c in others}) == len(others)
    views = [c for c in others if c.group == "other:upfall_S1_A1_T2"]
    assert {c.path.name for c in views} == {"upfall_S1_A1_T2_Cam1.mp4", "upfall_S1_A1_T2_Cam2.mp4"}


def test_fault_negatives_take_turns_over_the_quiet_clips_and_keep_their_groups() -> None:
    from workers.rules.camera_faults import FAULTS

    clips = [Clip(Path(f"n{i}.mp4"), False, f"g{i // 2}") for i in range(7)]
    clips += [Clip(Path("f.mp4"), True, "g9"), Clip(Path("o.mp4"), False, "o", hard_negative=True)]
    faulty = fight_fault_negatives(clips)
    assert [c.path.name for c in faulty] == [f"n{i}.mp4" for i in range(7)]
    assert [c.fault for c in faulty] == [*FAULTS, *list(FAULTS)[:2]]
    assert all(c.hard_negative and not c.positive for c in faulty)
    assert [c.group for c in faulty] == [c.group for c in clips[:7]]  # held out with their source
    assert faulty[0].name == f"n0.mp4 ({faulty[0].fault})"


def test_fight_windows_see_the_frames_under_the_clip_fault(tmp_path: Path) -> None:
    from tests.workers.synthetic import textured_background, write_video
    from workers.detectors.action import FEATURES
    from workers.rules.plugins.fight import FightConfig

    def moving(i: int, img: np.ndarray) -> None:
        img[:] = np.roll(textured_background(1), 9 * i, axis=1)

    video = write_video(tmp_path / "v.mp4", frames=75, draw=moving)  # 3 s of a panning view
    seen: list[float] = []

    def brightness(clip: np.ndarray) -> np.ndarray:
        seen.append(float(clip.mean()))
        return np.zeros(FEATURES, np.float32)

    config = FightConfig(min_motion=0)
    assert len(fight_windows(Clip(video, False, "g"), config, 5.0, brightness)) == 2
    assert len(fight_windows(Clip(video, False, "g", fault="dark"), config, 5.0, brightness)) == 2
    assert seen[2] < seen[0] - 0.5  # the dark fault's clip is much darker (range -1..1)
    # a camera that dies mid-clip: with the default motion guard its black tail is never scored
    black = Clip(video, False, "g", fault="fade_to_black")
    assert len(fight_windows(black, FightConfig(), 5.0, brightness)) == 1


def test_every_camera_fault_keeps_the_frame_format_and_changes_it() -> None:
    from tests.workers.synthetic import textured_background
    from workers.rules.camera_faults import FAULTS

    image = textured_background(2)
    for name, fault in FAULTS.items():
        out = fault(7, image)
        assert out.shape == image.shape and out.dtype == np.uint8, name
        assert not np.array_equal(out, image), name
    assert FAULTS["fade_to_black"](4, image) is image  # black only after the first second


def test_scores_subset_keeps_only_the_chosen_clips() -> None:
    s = Scores()
    s.add(Clip(Path("a.mp4"), True, "g"), True)
    s.add(Clip(Path("b.mp4"), False, "o", hard_negative=True), True)
    part = s.subset(lambda c: c.hard_negative)
    assert (part.tp, part.fp, part.fn, part.tn) == (0, 1, 0, 0)


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


def _windows(rng: np.random.Generator, positive: bool, n: int = 6) -> np.ndarray:
    from workers.rules.plugins.fight import feature_names

    return rng.normal(1.0 if positive else -1.0, 0.5, (n, len(feature_names())))


def test_out_of_fold_scores_never_see_their_own_group_labels() -> None:
    from workers.rules.evaluation import out_of_fold

    rng = np.random.default_rng(3)
    labels = np.array([i % 2 for i in range(12)])
    groups = np.arange(12) // 2  # six groups of two clips
    windows = [_windows(rng, bool(y)) for y in labels]
    before = out_of_fold(windows, labels, groups, c=0.1, folds=6)
    flipped = labels.copy()
    flipped[groups == 0] = 1 - flipped[groups == 0]  # corrupt the held-out group's labels
    after = out_of_fold(windows, flipped, groups, c=0.1, folds=6)
    for i in np.flatnonzero(groups == 0):
        assert np.allclose(before[i], after[i])
    assert not np.allclose(before[2], after[2])  # other groups did train on those labels
    assert all(s.min() > 0.5 for s, y in zip(before, labels, strict=True) if y)


def test_threshold_separates_persisting_scores() -> None:
    from workers.rules.evaluation import choose_threshold

    scores = [np.array([0.2, 0.9, 0.9]), np.array([0.7, 0.3, 0.7]), np.array([0.45, 0.45])]
    threshold, balanced = choose_threshold(scores, np.array([1, 0, 0]), persist=2)
    assert 0.7 < threshold <= 0.9 and balanced == 1.0  # above every negative streak


def test_tuning_chooses_the_threshold_on_scored_clips_only() -> None:
    from workers.rules.evaluation import fit_linear, tune
    from workers.rules.plugins.fight import LinearModel

    rng = np.random.default_rng(5)
    labels = np.array([i % 2 for i in range(16)])
    groups = np.arange(16) // 2
    windows = [_windows(rng, bool(y), n=2) for y in labels]
    c, threshold, balanced, _ = tune(
        windows, labels, groups, np.ones(16, bool), grid=(0.01, 0.1), persist=1, folds=4
    )
    assert c in (0.01, 0.1) and 0.2 <= threshold <= 0.9 and balanced == 1.0
    # four extra negatives that look like positives: scored, they spoil the threshold; left
    # out of the scoring (like the hard negatives), they only train the head
    looks_positive = [_windows(rng, True, n=2) for _ in range(4)]
    all_windows, all_labels = [*windows, *looks_positive], np.append(labels, [0, 0, 0, 0])
    all_groups = np.append(groups, [8, 8, 9, 9])
    scored = np.append(np.ones(16, bool), [True] * 4)
    spoiled = tune(all_windows, all_labels, all_groups, scored, grid=(0.1,), persist=1, folds=5)[2]
    scored[16:] = False
    clean = tune(
        all_windows, all_labels, all_groups, scored, grid=(0.1,), persist=1, folds=5
    ).balanced
    assert spoiled < 1.0 and clean > spoiled
    head = LinearModel.model_validate(fit_linear(windows, labels, c=0.1))
    assert head.score(_windows(rng, True, n=1)[0]) > 0.5 > head.score(_windows(rng, False, n=1)[0])


def test_footage_behaviours_lists_every_clip_once_with_what_it_shows() -> None:
    from workers.rules.evaluation import footage_behaviours

    root = shared_path("footage")
    shows = footage_behaviours(root)
    assert shows[root / "fight/fi013.mp4"] == {"fight"}
    assert shows[root / "nonfight/nofi094.mp4"] == frozenset()  # also a nofire clip: shows none
    assert shows[root / "more_fight/scvd/fight/v036_converted.avi"] == {"fight"}
    assert any(b == {"fall"} for b in shows.values()) and any(b == {"fire"} for b in shows.values())
    assert len(shows) == len({p.resolve() for p in shows})


def test_false_alarms_count_only_clips_without_the_behaviour() -> None:
    from workers.rules.evaluation import false_alarm_rows

    fight, quiet, fall = Path("fight.mp4"), Path("quiet.mp4"), Path("fall.mp4")
    shows = {fight: frozenset({"fight"}), quiet: frozenset(), fall: frozenset({"fall"})}
    fired = {fight: {"fight", "fall"}, quiet: {"fight"}, fall: {"fall"}}
    rows = {r["type"]: r for r in false_alarm_rows(shows, fired, always=("fire",))}
    assert (rows["fight"]["clips_without"], rows["fight"]["false_alarms"]) == (2, 1)
    assert (rows["fight"]["clips_with"], rows["fight"]["found"]) == (1, 1)
    assert rows["fight"]["clips"] == ["quiet.mp4"]
    assert (rows["fall"]["clips_without"], rows["fall"]["false_alarms"]) == (2, 1)
    assert rows["fall"]["rate"] == 0.5
    assert (rows["fire"]["clips_without"], rows["fire"]["false_alarms"]) == (3, 0)
    assert (rows["fall"]["clips_with"], rows["fall"]["found"]) == (1, 1)
