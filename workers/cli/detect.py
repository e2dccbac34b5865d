"""`python -m workers detect --model person|fall|pose [--json] PATH...`.

One JSON line per image or video frame: ``{"file", "frame", "detections": [{"label", "score",
"box": [x1, y1, x2, y2]}]}`` in original pixels; ``--model pose`` adds ``keypoints`` (33
BlazePose landmarks ``[x, y, visibility]``) to each person. Bad files are reported one by one;
the exit code is the number of files that failed (at most 125).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

NAME = "detect"
HELP = "detect people in images or videos with the OpenVINO detectors"

log = logging.getLogger(__name__)
BATCH = 8  # frames of a video sent to detect_many together


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--model", choices=["person", "fall", "pose"], default="person")
    parser.add_argument("--json", action="store_true", help="one JSON line per image/frame")
    parser.add_argument("--precision", choices=["FP32", "BF16", "INT8"], default=None)
    parser.add_argument("--threshold", type=float, default=None, help="score threshold")
    parser.add_argument("--tile", action="store_true", help="tiled inference for small people")
    parser.add_argument("--every", type=int, default=1, help="analyse every Nth video frame")


def _detector_config(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if args.precision:
        config["precision"] = args.precision
    if args.threshold is not None:
        config["score_threshold"] = args.threshold
    if args.tile:
        config["tiling"] = {"enabled": True}
    return config


def _emit(args: argparse.Namespace, path: Path, frame: int, dets: list[dict[str, Any]]) -> None:
    if args.json:
        print(json.dumps({"file": str(path), "frame": frame, "detections": dets}), flush=True)
        return
    summary = ", ".join(f"{d['label']} {d['score']:.2f} {d['box']}" for d in dets) or "nothing"
    print(f"{path} [{frame}]: {summary}", flush=True)


def run(args: argparse.Namespace) -> int:
    from workers.detectors.base import BadFrameError
    from workers.detectors.media import MediaError, iter_frames
    from workers.detectors.registry import create_detector, create_pose_estimator
    from workers.models.fetch import ModelFetchError

    if args.every < 1:
        log.error("--every must be at least 1")
        return 2
    try:
        detector = create_detector(
            "fall" if args.model == "fall" else "person", _detector_config(args)
        )
        pose = create_pose_estimator("pose") if args.model == "pose" else None
    except (ModelFetchError, ValueError) as err:
        log.error("cannot load the %s model: %s", args.model, err)
        return 125

    def flush(path: Path, batch: list[tuple[int, np.ndarray]]) -> None:
        results = detector.detect_many([frame for _, frame in batch])
        for (index, frame), dets in zip(batch, results, strict=True):
            rows = [d.to_dict() for d in dets]
            if pose is not None:
                for row, det in zip(rows, dets, strict=True):
                    row.update(pose.estimate(frame, det.box).to_dict())
            _emit(args, path, index, rows)

    failed = 0
    for path in args.paths:
        batch: list[tuple[int, np.ndarray]] = []
        try:
            for index, frame in iter_frames(path, every=args.every):
                batch.append((index, frame))
                if len(batch) == BATCH:
                    flush(path, batch)
                    batch = []
            if batch:
                flush(path, batch)
        except (MediaError, BadFrameError) as err:
            failed += 1
            print(f"error: {err}", file=sys.stderr, flush=True)
    if failed:
        log.warning("%d of %d files failed", failed, len(args.paths))
    return min(failed, 125)
