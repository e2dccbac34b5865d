"""Behaviour evaluation on the labelled footage (`python -m workers eval-behaviours`).

Fight: the I3D features of every clip the rule would score are extracted with the rule's own
sampler; a logistic head is scored by cross-validation grouped by source video (clips of one video
never sit on both sides), its regularisation and threshold are chosen on out-of-fold scores, and
the final head is fitted on everything.
Clips of the other behaviours (falls, daily activities, walking people, fire — none shows a
fight) and the non-fight clips under synthetic camera faults (`camera_faults`) join training as
hard negatives and are reported apart as false-alarm rates. A clip the rule never scores (too
short, or too still: `FightConfig.min_motion`) counts as no alarm.
Fall: detection + tracking run once per clip, then the fall rule is replayed for a small grid of
thresholds, chosen by grouped cross-validation over UP-Fall subjects. Fire: the rule as configured
(its thresholds are physical, not fitted), checked on fire clips against every other clip.
Reported numbers are out-of-fold for the fitted rules.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from workers.detectors.action import FEATURES
from workers.rules.base import FrameContext, Hit
from workers.stream.decode import StreamConfig, VideoStream
from workers.tracking.base import Track

if TYPE_CHECKING:
    from workers.rules.plugins.fight import FightConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clip:
    """A labelled clip and the group it must stay in during cross-validation."""

    path: Path
    positive: bool
    group: str
    hard_negative: bool = False  # another behaviour's clip: trains the model, reported apart
    fault: str = ""  # a synthetic camera fault laid over the frames (`camera_faults.FAULTS`)

    @property
    def name(self) -> str:
        return f"{self.path.name} ({self.fault})" if self.fault else self.path.name


@dataclass
class Scores:
    """Clip-level confusion counts."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)
    outcomes: list[tuple[Clip, bool]] = field(default_factory=list)

    def add(self, clip: Clip, predicted: bool) -> None:
        self.outcomes.append((clip, predicted))
        if clip.positive and predicted:
            self.tp += 1
        elif clip.positive:
            self.fn += 1
            self.errors.append(f"missed {clip.name}")
        elif predicted:
            self.fp += 1
            self.errors.append(f"false alarm {clip.name}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0

    def accuracy_where(self, keep: Callable[[Clip], bool]) -> tuple[float, int]:
        """Accuracy and clip count over the clips `keep` selects."""
        chosen = [(c, p) for c, p in self.outcomes if keep(c)]
        right = sum(c.positive == p for c, p in chosen)
        return (right / len(chosen) if chosen else 0.0), len(chosen)

    def subset(self, keep: Callable[[Clip], bool]) -> Scores:
        """The same outcomes restricted to the clips `keep` selects."""
        part = Scores()
        for clip, predicted in self.outcomes:
            if keep(clip):
                part.add(clip, predicted)
        return part

    def row(self, kind: str, note: str) -> dict[str, Any]:
        return {
            "type": kind,
            "positives": self.tp + self.fn,
            "negatives": self.tn + self.fp,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "accuracy": round(self.accuracy, 3),
            "note": note,
        }


def sampled_frames(path: Path, fps: float, max_s: float | None = None) -> Iterable[Any]:
    """Frames of a file as the pipeline samples them."""
    stream = VideoStream(path, StreamConfig(detect_fps=fps, max_duration_s=max_s))
    yield from stream.frames()


# ---------------------------------------------------------------- clip lists


def fight_clips(root: Path, *, more: bool = True) -> list[Clip]:
    """Fight / non-fight clips; groups are source videos (CSV) or per-file for more_fight."""
    labels = json.loads((root / "labels.json").read_text())
    sources: dict[str, str] = {}
    csv_path = root / "fight_nonfight_sources.csv"
    if csv_path.exists():
        with csv_path.open() as fh:
            sources = {r["file"]: r["source"] for r in csv.DictReader(fh)}
    clips = [Clip(root / p, True, sources.get(p, p)) for p in labels["fight"]]
    clips += [Clip(root / p, False, sources.get(p, p)) for p in labels["nonfight"]]
    more_labels = root / "more_fight" / "labels.json"
    if more and more_labels.exists():
        for dataset, lists in json.loads(more_labels.read_text()).items():
            for key, positive in (("fight", True), ("nonfight", False)):
                for p in lists.get(key, []):
                    stem = re.sub(r"^t_|_converted$", "", Path(p).stem)
                    clips.append(Clip(root / "more_fight" / p, positive, f"{dataset}:{stem}"))
    return [c for c in clips if c.path.exists()]


def fight_hard_negatives(root: Path) -> list[Clip]:
    """Every clip of the other behaviours (none shows a fight), grouped by trial/file.

    Single people walking, jumping, falling or picking things up, and flickering flames, move as
    fast and as erratically as a fight in a 2-second window; without them in training the fight
    model fires on a third of these clips.
    """
    labels = json.loads((root / "labels.json").read_text())
    taken = set(labels["fight"]) | set(labels["nonfight"])
    clips: dict[str, Clip] = {}
    for key in ("fall", "nofall", "pedestrian_video", "fire", "nofire"):
        for p in labels.get(key, []):
            if p not in taken and p not in clips:
                group = "other:" + re.sub(r"_Cam\d+$", "", Path(p).stem)
                clips[p] = Clip(root / p, False, group, hard_negative=True)
    return [c for c in clips.values() if c.path.exists()]


def fight_fault_negatives(clips: list[Clip]) -> list[Clip]:
    """The non-fight clips again, each under one synthetic camera fault (taking turns), as hard
    negatives in the same CV group as their source clip."""
    from workers.rules.camera_faults import FAULTS

    names = list(FAULTS)
    quiet = [c for c in clips if not c.positive and not c.hard_negative and not c.fault]
    return [
        Clip(c.path, False, c.group, hard_negative=True, fault=names[i % len(names)])
        for i, c in enumerate(quiet)
    ]


def fall_clips(root: Path) -> list[Clip]:
    """UP-Fall clips; groups are trials (both camera views of one recording stay together)."""
    labels = json.loads((root / "labels.json").read_text())

    def trial(p: str) -> str:
        return re.sub(r"_Cam\d+$", "", Path(p).stem)

    clips = [Clip(root / p, True, trial(p)) for p in labels["fall"]]
    clips += [Clip(root / p, False, trial(p)) for p in labels["nofall"]]
    return [c for c in clips if c.path.exists()]


def fire_clips(root: Path) -> list[Clip]:
    """Fire clips against `nofire` plus every other clip of the footage (none shows fire)."""
    labels = json.loads((root / "labels.json").read_text())
    positives = list(labels["fire"])
    negatives = list(labels["nofire"])
    for key in ("nonfight", "fight", "nofall", "fall", "pedestrian_video"):
        negatives += [p for p in labels.get(key, []) if p not in negatives and p not in positives]
    clips = [Clip(root / p, True, p) for p in positives] + [
        Clip(root / p, False, p) for p in negatives
    ]
    return [c for c in clips if c.path.exists()]


LABEL_KEYS = {  # labels.json key -> the behaviour its clips show ("" = none)
    "fight": "fight",
    "nonfight": "",
    "fall": "fall",
    "nofall": "",
    "fire": "fire",
    "nofire": "",
    "pedestrian_video": "",
}


def footage_behaviours(root: Path) -> dict[Path, frozenset[str]]:
    """Every clip of the footage (more_fight included) and the behaviours it shows.

    Only fight, fall and fire are labelled; a clip listed under none of them (non-fight, daily
    activity, walking people, no fire) shows none of the behaviours the rules look for.
    """
    labels = json.loads((root / "labels.json").read_text())
    shows: dict[Path, set[str]] = {}
    for key, behaviour in LABEL_KEYS.items():
        for p in labels.get(key, []):
            shows.setdefault(root / p, set()).update({behaviour} if behaviour else set())
    more_labels = root / "more_fight" / "labels.json"
    if more_labels.exists():
        for lists in json.loads(more_labels.read_text()).values():
            for key in ("fight", "nonfight"):
                for p in lists.get(key, []):
                    shows.setdefault(root / "more_fight" / p, set()).update(
                        {"fight"} if key == "fight" else set()
                    )
    return {path: frozenset(b) for path, b in shows.items() if path.exists()}


def false_alarm_rows(
    shows: dict[Path, frozenset[str]], fired: dict[Path, set[str]], always: Iterable[str]
) -> list[dict[str, Any]]:
    """Per event type: on how many clips that do not show it the pipeline raised it.

    `fired` maps each analysed clip to the event types raised on it; types in `always` get a row
    even when they never fired. Clips that do show the type count as found or missed.
    """
    types = sorted(set(always).union(*fired.values()))
    rows = []
    for kind in types:
        without = [p for p in fired if kind not in shows.get(p, frozenset())]
        hits = sorted(p.name for p in without if kind in fired[p])
        showing = [p for p in fired if kind in shows.get(p, frozenset())]
        rows.append(
            {
                "type": kind,
                "clips_with": len(showing),
                "found": sum(kind in fired[p] for p in showing),
                "clips_without": len(without),
                "false_alarms": len(hits),
                "rate": round(len(hits) / len(without), 3) if without else 0.0,
                "clips": hits,
            }
        )
    return rows


# ---------------------------------------------------------------- fight


def fight_windows(
    clip: Clip, config: FightConfig, fps: float, embed: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Head inputs of every clip the fight rule would score in this file (its own sampler),
    with the clip's camera fault laid over the frames."""
    from workers.rules.camera_faults import FAULTS
    from workers.rules.plugins.fight import ClipSampler, head_input

    sampler = ClipSampler(config)
    rows = []
    for index, frame in enumerate(sampled_frames(clip.path, fps)):
        image = FAULTS[clip.fault](index, frame.image) if clip.fault else frame.image
        tensor = sampler.add(frame.t_s, image)
        if tensor is not None:
            rows.append(head_input(embed(tensor)))
    tensor = sampler.flush()
    if tensor is not None:
        rows.append(head_input(embed(tensor)))
    return np.array(rows).reshape(-1, FEATURES)


def persisted(scores: np.ndarray, threshold: float, persist: int) -> bool:
    """Whether `persist` consecutive window scores reach `threshold` (the rule's logic)."""
    streak = 0
    for s in scores:
        streak = streak + 1 if s >= threshold else 0
        if streak >= persist:
            return True
    return False


def fit_linear(windows: list[np.ndarray], labels: np.ndarray, c: float) -> dict[str, Any]:
    """Standardised logistic regression, balanced by clips → the LinearModel JSON.

    Within a class every clip weighs the same however many windows it has (long clips of other
    behaviours would otherwise outvote the 2-second fight clips); both classes weigh the same in
    total.
    """
    from sklearn.linear_model import LogisticRegression

    from workers.rules.plugins.fight import feature_names

    x = np.concatenate(windows)
    y = np.concatenate([[label] * len(w) for w, label in zip(windows, labels, strict=True)])
    per_class = {label: int((labels == label).sum()) for label in set(labels.tolist())}
    weights = np.concatenate(
        [
            np.full(len(w), len(windows) / (2 * per_class[int(label)] * len(w)))
            for w, label in zip(windows, labels, strict=True)
        ]
    )
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=weights)
    return {
        "features": feature_names(),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }


def choose_threshold(
    scores: list[np.ndarray], labels: np.ndarray, persist: int
) -> tuple[float, float]:
    """The threshold with the best balanced clip accuracy on these window scores."""
    best = (-1.0, 0.5)
    for threshold in np.round(np.arange(0.20, 0.91, 0.01), 2):
        predicted = np.array([persisted(s, threshold, persist) for s in scores])
        balanced = 0.5 * (predicted[labels == 1].mean() + (~predicted[labels == 0]).mean())
        best = max(best, (float(balanced), float(threshold)))
    return best[1], best[0]


def out_of_fold(
    windows: list[np.ndarray],
    labels: np.ndarray,
    groups: np.ndarray,
    c: float,
    folds: int,
) -> list[np.ndarray]:
    """Window scores of every clip from a model fitted without its group (GroupKFold)."""
    from sklearn.model_selection import GroupKFold

    from workers.rules.plugins.fight import LinearModel

    oof: list[np.ndarray] = [np.zeros(0)] * len(windows)
    splits = min(folds, len(set(groups.tolist())))
    for train, test in GroupKFold(n_splits=splits).split(windows, labels, groups):
        fitted = fit_linear([windows[i] for i in train], labels[train], c)
        model = LinearModel.model_validate(fitted)
        for i in test:
            oof[i] = np.array([model.score(w) for w in windows[i]])
    return oof


class Tuned(NamedTuple):
    """The chosen regularisation and threshold, and the out-of-fold scores they were chosen on."""

    c: float
    threshold: float
    balanced: float
    scores: list[np.ndarray]


def tune(
    windows: list[np.ndarray],
    labels: np.ndarray,
    groups: np.ndarray,
    scored: np.ndarray,
    *,
    grid: tuple[float, ...],
    persist: int,
    folds: int,
) -> Tuned:
    """The C of `grid` and the threshold best on out-of-fold scores of these clips.

    Only clips marked in `scored` (not the hard negatives) choose the threshold; ties go to the
    stronger regularisation.
    """
    best: Tuned | None = None
    for c in grid:
        oof = out_of_fold(windows, labels, groups, c, folds)
        threshold, balanced = choose_threshold(
            [s for s, keep in zip(oof, scored, strict=True) if keep], labels[scored], persist
        )
        if best is None or balanced > best.balanced or (balanced == best.balanced and c < best.c):
            best = Tuned(c, threshold, balanced, oof)
    assert best is not None, "tune needs a non-empty grid"
    return best


def evaluate_fight(
    clips: list[Clip],
    *,
    config: FightConfig,
    fps: float,
    embed: Callable[[np.ndarray], np.ndarray],
    grid: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03),
    folds: int = 8,
    report: Callable[[str], None] = log.info,
) -> tuple[Scores, dict[str, Any], float, float]:
    """Nested grouped-CV scores, the final model, its threshold and the pooled-OOF accuracy.

    Outer folds hold out whole source videos. Inside each outer fold the regularisation and the
    threshold are chosen on inner out-of-fold scores of the training groups only, so the
    held-out fold tunes nothing; `Scores` are those strictly out-of-fold predictions (a clip the
    rule never scores, too short or too still, counts as no alarm). The
    deployed model is tuned the same way on all clips and fitted on everything; the accuracy of
    its pooled out-of-fold scores (slightly optimistic) is returned for comparison.
    """
    from sklearn.model_selection import GroupKFold

    from workers.rules.plugins.fight import LinearModel

    windows = []
    for n, clip in enumerate(clips, 1):
        windows.append(fight_windows(clip, config, fps, embed))
        if n % 25 == 0:
            report(f"fight: clip features of {n}/{len(clips)} clips")
    keep = [i for i, w in enumerate(windows) if len(w)]
    unscored = Counter(
        "fight" if c.positive else c.fault or ("other" if c.hard_negative else "non-fight")
        for i, c in enumerate(clips)
        if not len(windows[i])
    )
    report(f"fight: {len(keep)} clips with windows of {len(clips)}; never scored: {unscored}")
    kept = [windows[i] for i in keep]
    names = sorted({clips[i].group for i in keep})
    if len(names) < 3:
        raise ValueError("nested grouped CV needs clips from at least three groups")
    groups = np.array([names.index(clips[i].group) for i in keep])
    labels = np.array([clips[i].positive for i in keep], dtype=int)
    scored = np.array([not clips[i].hard_negative for i in keep])
    persist = config.persist
    predicted = np.zeros(len(keep), dtype=bool)
    splits = min(folds, len(names))
    for train, test in GroupKFold(n_splits=splits).split(kept, labels, groups):
        c, threshold, _, _ = tune(
            [kept[i] for i in train],
            labels[train],
            groups[train],
            scored[train],
            grid=grid,
            persist=persist,
            folds=folds - 1,
        )
        model = LinearModel.model_validate(fit_linear([kept[i] for i in train], labels[train], c))
        for i in test:
            predicted[i] = persisted(
                np.array([model.score(w) for w in kept[i]]), threshold, persist
            )
        report(f"fight: outer fold C={c} threshold={threshold:.2f}")
    scores = Scores()
    fired = dict(zip(keep, predicted.tolist(), strict=True))
    for i, clip in enumerate(clips):  # a clip the rule never scores (too short, too still) is quiet
        scores.add(clip, fired.get(i, False))
    final = tune(kept, labels, groups, scored, grid=grid, persist=persist, folds=folds)
    right = [
        persisted(s, final.threshold, persist) == bool(y)
        for s, y, keep_it in zip(final.scores, labels, scored, strict=True)
        if keep_it
    ]
    right += [not c.positive for i, c in enumerate(clips) if i not in fired and not c.hard_negative]
    return scores, fit_linear(kept, labels, final.c), final.threshold, float(np.mean(right))


# ---------------------------------------------------------------- fall / replay


@dataclass
class TrackFrame:
    """What the tracker produced for one sampled frame (enough to replay track rules)."""

    t_s: float
    tracks: list[Track]
    lost: list[Track]
    detected: bool
    motion: Any = None  # a fall MotionSample, so replays need no frames


def record_tracks(clip: Clip, make_pipeline: Callable[[], Any], fps: float) -> list[TrackFrame]:
    """Run gate + detector + tracker once; snapshot the tracks and fall motion of every frame."""
    import copy

    from workers.rules.plugins.fall import FallConfig, FlowDescent

    pipeline = make_pipeline()
    pipeline.rules = []
    descent = FlowDescent(FallConfig())
    recorded: list[TrackFrame] = []
    for frame in sampled_frames(clip.path, fps):
        pipeline.process(frame)
        recorded.append(
            TrackFrame(
                frame.t_s,
                [copy.deepcopy(t) for t in pipeline.tracks],
                [copy.deepcopy(t) for t in pipeline.tracker.lost],
                True,
                descent.update(frame.image, frame.t_s),
            )
        )
    return recorded


def replay(rule_factory: Callable[[], Any], frames: list[TrackFrame]) -> list[Hit]:
    """Run a track-only rule over recorded frames."""
    rule = rule_factory()
    blank = np.zeros((2, 2, 3), np.uint8)
    hits: list[Hit] = []
    for f in frames:
        ctx = FrameContext("eval", f.t_s, blank, f.tracks, f.lost, f.detected)
        ctx.cache["fall_motion"] = f.motion
        if f.motion is not None or not getattr(rule.config, "use_flow", False):
            hits.extend(rule.process(ctx))
        else:
            hits.extend(rule._track_hits(ctx) if rule.config.use_tracks else [])
    return hits


def grid(space: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """All combinations of a small parameter grid."""
    keys = sorted(space)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(space[k] for k in keys))
    ]
