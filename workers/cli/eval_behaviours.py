"""`python -m workers eval-behaviours [--write] [--only fight,fall,fire,alarms]`.

Per behaviour precision / recall / accuracy on the labelled clips in ../shared/data/footage
(see workers/rules/evaluation.py for how each is measured). `alarms` runs the deployed pipeline
(every rule, default scene) on every clip and counts, per event type, the clips that do not show
that behaviour but raised it. `--write` stores the chosen thresholds in
workers/rules/calibration.json and the fight model in workers/rules/fight_model.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

NAME = "eval-behaviours"
HELP = "precision/recall of the behaviour rules on the labelled footage; --write stores thresholds"

log = logging.getLogger(__name__)
FOOTAGE = (
    Path(
        os.environ.get(
            "HAECHI_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"
        )
    )
    / "footage"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--footage", type=Path, default=FOOTAGE, help="labelled footage folder")
    parser.add_argument(
        "--only", default="fight,fall,fire,alarms", help="comma-separated behaviours (+ alarms)"
    )
    parser.add_argument("--write", action="store_true", help="store chosen thresholds and model")
    parser.add_argument("--no-more-fight", action="store_true", help="skip footage/more_fight")
    parser.add_argument(
        "--no-hard-negatives",
        action="store_true",
        help="train the fight model without the other behaviours' clips and camera faults",
    )
    parser.add_argument("--fall-source", choices=["person", "motion", "both"], default="person")
    parser.add_argument("--json", action="store_true", help="print the table as JSON lines")


def _eval_fight(args: argparse.Namespace, report: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from workers.detectors.action import shared_embedder
    from workers.rules.evaluation import (
        evaluate_fight,
        fight_clips,
        fight_fault_negatives,
        fight_hard_negatives,
    )
    from workers.rules.plugins.fight import FightConfig

    cfg = FightConfig()
    clips = fight_clips(args.footage, more=not args.no_more_fight)
    if not args.no_hard_negatives:
        clips += fight_hard_negatives(args.footage) + fight_fault_negatives(clips)
    embedder = shared_embedder()
    scores, model, threshold, pooled = evaluate_fight(
        clips, config=cfg, fps=5.0, embed=embedder.features, report=report
    )
    fight_set = scores.subset(lambda c: not c.hard_negative)
    others = scores.subset(lambda c: c.hard_negative and not c.fault)
    faults = scores.subset(lambda c: bool(c.fault))
    base, n_base = fight_set.accuracy_where(lambda c: "more_fight" not in c.path.parts)
    more, n_more = fight_set.accuracy_where(lambda c: "more_fight" in c.path.parts)
    negatives = [
        f"{n} {what}"
        for n, what in (
            (others.fp + others.tn, "clips of other behaviours"),
            (faults.fp + faults.tn, "non-fight clips under synthetic camera faults"),
        )
        if n
    ]
    trained_on = (
        " and ".join(negatives) + " as hard negatives" if negatives else "no hard negatives"
    )
    row = fight_set.row(
        "fight",
        f"I3D (Kinetics-400, {embedder.xml.stem}) clip features + logistic head; 8-fold CV "
        f"grouped by source video, "
        f"C and threshold chosen inside each fold (nested), "
        f"trained with {trained_on}; accuracy {base:.3f} on the {n_base} surveillance clips, "
        f"{more:.3f} on {n_more} more_fight clips; deployed threshold {threshold:.2f} (pooled "
        f"out-of-fold: accuracy {pooled:.3f})",
    )
    if others.outcomes:
        row["other_clips"] = others.fp + others.tn
        row["other_false_alarms"] = others.fp
        row["note"] += f"; fires on {others.fp} of {others.fp + others.tn} other-behaviour clips"
    if faults.outcomes:
        row["fault_clips"] = faults.fp + faults.tn
        row["fault_false_alarms"] = faults.fp
        row["note"] += f"; fires on {faults.fp} of {faults.fp + faults.tn} camera-fault clips"
    row["errors"] = scores.errors
    return row, {"config": {"threshold": threshold}, "model": model, "metrics": row}


def _fall_pipeline(source: str) -> Any:
    from workers.pipeline import Pipeline, PipelineConfig, load_detector

    config = PipelineConfig(detector=None if source == "motion" else "person")
    config.motion_blobs = source in ("motion", "both")
    config.gate.enabled = False
    return Pipeline(config, detector=load_detector(config), rules=[])


def _eval_fall(args: argparse.Namespace, report: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from workers.rules.evaluation import Scores, fall_clips, grid, record_tracks, replay
    from workers.rules.plugins.fall import FallConfig, FallRule

    clips = fall_clips(args.footage)
    labels = ["person", "motion"] if args.fall_source == "both" else [args.fall_source]
    started = time.perf_counter()
    recorded = [record_tracks(c, lambda: _fall_pipeline(args.fall_source), 5.0) for c in clips]
    report(f"fall: tracked {len(clips)} clips in {time.perf_counter() - started:.0f} s")
    space = grid(
        {
            "use_tracks": [True, False],
            "down_s": [1.5, 2.0],
            "min_descent": [0.005, 0.0065, 0.008, 0.01],
            "max_recover": [0.008, 0.011, 0.015],
            "max_motion_after": [0.06, 0.085, 0.12],
        }
    )
    predictions: dict[int, list[bool]] = {}
    for k, params in enumerate(space):
        config = FallConfig(labels=labels, **params)
        predictions[k] = [bool(replay(partial(FallRule, config), frames)) for frames in recorded]

    def accuracy(k: int, idx: list[int]) -> float:
        return sum(predictions[k][i] == clips[i].positive for i in idx) / max(len(idx), 1)

    scores = Scores()
    groups = sorted({c.group for c in clips})
    for group in groups:
        train = [i for i, c in enumerate(clips) if c.group != group]
        test = [i for i, c in enumerate(clips) if c.group == group]
        best = max(range(len(space)), key=lambda k: (accuracy(k, train), -k))
        for i in test:
            scores.add(clips[i], predictions[best][i])
    best_all = max(range(len(space)), key=lambda k: (accuracy(k, list(range(len(clips)))), -k))
    chosen = {"labels": labels, **space[best_all]}
    note = f"leave-one-trial-out CV ({len(groups)} trials), grid of {len(space)}; tracks from {args.fall_source}"
    row = scores.row("fall", note)
    row["errors"] = scores.errors
    row["chosen"] = chosen
    return row, {"config": chosen, "metrics": row}


def _eval_fire(args: argparse.Namespace, report: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from workers.rules.base import EventAggregator
    from workers.rules.evaluation import Scores, fire_clips, sampled_frames
    from workers.rules.plugins.fire import FireConfig, FireFeatures, FireFrame

    clips = fire_clips(args.footage)
    base = FireConfig()
    measured: list[list[tuple[float, FireFrame]]] = []
    for clip in clips:
        features = FireFeatures(base)
        measured.append(
            [(f.t_s, features.update(f.image, f.t_s)) for f in sampled_frames(clip.path, 5.0, 30.0)]
        )

    def predict(config: FireConfig, frames: list[tuple[float, FireFrame]]) -> bool:
        rule = _ReplayFire(config)
        aggregator = EventAggregator({"fire": config})
        events = []
        for t_s, frame in frames:
            events += aggregator.add(rule.judge(frame, t_s), t_s)
        return bool(events + aggregator.flush())

    candidates = [FireConfig(min_hot_share=h) for h in (0.0, 0.01, 0.02, 0.04)]
    results = [[predict(c, m) for m in measured] for c in candidates]

    def balanced(preds: list[bool]) -> float:
        pos = [p for p, c in zip(preds, clips, strict=True) if c.positive]
        neg = [not p for p, c in zip(preds, clips, strict=True) if not c.positive]
        return 0.5 * (sum(pos) / max(len(pos), 1) + sum(neg) / max(len(neg), 1))

    best = max(range(len(candidates)), key=lambda k: (balanced(results[k]), -k))
    scores = Scores()
    for clip, predicted in zip(clips, results[best], strict=True):
        scores.add(clip, predicted)
    chosen = {"min_hot_share": candidates[best].min_hot_share}
    note = (
        f"colour/flicker/anchoring thresholds set by hand (flicker counted within "
        f"{base.core_margin_px} px of the anchored core), min_hot_share={chosen['min_hot_share']}"
        " picked in-sample (5 fire clips: optimistic); negatives = all other clips"
    )
    row = scores.row("fire", note)
    row["errors"] = scores.errors
    return row, {"config": chosen, "metrics": row}


def _false_alarms(args: argparse.Namespace, report: Any) -> list[dict[str, Any]]:
    """Every event type the deployed pipeline raises on clips that do not show it."""
    from workers.pipeline import PipelineConfig, analyse_file, load_detector
    from workers.rules.evaluation import false_alarm_rows, footage_behaviours

    logging.getLogger("workers.stream").setLevel(logging.WARNING)
    shows = footage_behaviours(args.footage)
    config = PipelineConfig()
    detector = load_detector(config)
    fired = {}
    for path in sorted(shows):
        events, _ = analyse_file(path, config=config, detector=detector)
        fired[path] = {e.type for e in events}
    report(f"alarms: analysed {len(fired)} clips")
    return false_alarm_rows(shows, fired, always=("fight", "fall", "fire"))


class _ReplayFire:
    """The fire rule's window logic on pre-measured frames."""

    def __init__(self, config: Any) -> None:
        from collections import deque

        self.config = config
        self.recent: deque[tuple[float, bool]] = deque()

    def judge(self, frame: Any, t_s: float) -> list[Any]:
        from workers.rules.plugins.fire import FireRule

        return FireRule.decide(self.config, self.recent, frame, t_s)


def run(args: argparse.Namespace) -> int:
    from workers.rules.registry import CALIBRATION_FILE

    if not (args.footage / "labels.json").exists():
        print(f"footage not found: {args.footage} (set HAECHI_SHARED_DATA)", file=sys.stderr)
        return 2

    def report(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    evaluators = {"fight": _eval_fight, "fall": _eval_fall, "fire": _eval_fire}
    unknown = [w for w in wanted if w not in evaluators and w != "alarms"]
    if unknown:
        print(
            f"unknown behaviour {unknown[0]!r}; known: {sorted(evaluators)} and alarms",
            file=sys.stderr,
        )
        return 2
    rows = []
    stored: dict[str, Any] = {}
    for kind in [w for w in wanted if w in evaluators]:
        started = time.perf_counter()
        row, data = evaluators[kind](args, report)
        report(f"{kind}: done in {time.perf_counter() - started:.0f} s")
        rows.append(row)
        stored[kind] = data
    if rows:
        _print_table(rows, as_json=args.json)
    if "alarms" in wanted:
        _print_alarms(_false_alarms(args, report), as_json=args.json)
    if args.write:
        _write(stored, CALIBRATION_FILE)
    return 0


def _print_table(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    head = f"{'type':<7}{'pos':>5}{'neg':>5}{'tp':>5}{'fp':>5}{'fn':>5}{'tn':>5}"
    print(head + f"{'precision':>11}{'recall':>8}{'accuracy':>10}  how")
    for r in rows:
        print(
            f"{r['type']:<7}{r['positives']:>5}{r['negatives']:>5}{r['tp']:>5}{r['fp']:>5}"
            f"{r['fn']:>5}{r['tn']:>5}{r['precision']:>11.3f}{r['recall']:>8.3f}"
            f"{r['accuracy']:>10.3f}  {r['note']}"
        )
    for r in rows:
        if r.get("errors"):
            print(f"{r['type']} errors: {', '.join(r['errors'])}")


def _print_alarms(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps({"false_alarms_of": row.pop("type"), **row}))
        return
    print("\nthe deployed pipeline (every rule, default scene) on every clip of the footage")
    print("(in-sample: the fight model and the thresholds were fitted on these clips)")
    print(f"{'type':<12}{'found':>9}{'false alarms':>15}{'rate':>7}  false alarm clips")
    for r in rows:
        found = f"{r['found']}/{r['clips_with']}" if r["clips_with"] else "-"
        alarms = f"{r['false_alarms']}/{r['clips_without']}"
        names = ", ".join(r["clips"][:12]) + (" …" if len(r["clips"]) > 12 else "")
        print(f"{r['type']:<12}{found:>9}{alarms:>15}{r['rate']:>7.3f}  {names}")


def _write(stored: dict[str, Any], path: Path) -> None:
    from workers.rules.plugins.fight import MODEL_FILE

    data = json.loads(path.read_text()) if path.exists() else {"rules": {}}
    for kind, entry in stored.items():
        model = entry.pop("model", None)
        if model is not None:
            MODEL_FILE.write_text(json.dumps(model) + "\n")  # 4 x 832 numbers: one line
        metrics = {k: v for k, v in entry["metrics"].items() if k not in ("errors", "chosen")}
        data["rules"][kind] = {"config": entry["config"], "metrics": metrics}
    data["note"] = "written by `python -m workers eval-behaviours --write`; edit by rerunning it"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}", file=sys.stderr)
