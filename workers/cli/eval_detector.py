"""`python -m workers eval-detector`: AP@0.5 and precision/recall by person height on photos
with boxes (default: ../shared/data/footage/pedestrians). ``--mosaic K`` packs K x K photos into
1920x1080 frames so the same real people appear small, as in a wide CCTV view.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

NAME = "eval-detector"
HELP = "precision / recall / AP@0.5 of a detector on photos with person boxes"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=None, help="folder with annotations.json")
    parser.add_argument("--model", choices=["person", "fall"], default="person")
    parser.add_argument("--precision", choices=["FP32", "BF16", "INT8"], default=None)
    parser.add_argument("--threshold", type=float, default=None, help="operating score threshold")
    parser.add_argument("--tile", action="store_true", help="tiled inference")
    parser.add_argument("--tile-size", type=int, default=None, help="tile side in pixels")
    parser.add_argument("--mosaic", type=int, default=0, help="pack KxK photos per 1920x1080 frame")
    parser.add_argument("--json", action="store_true")


def evaluate(
    model: str, config: dict[str, Any], root: Path, mosaic_grid: int = 0
) -> tuple[Any, float]:
    """Run the detector over the photos; returns (Report, seconds per frame)."""
    from workers.detectors import evaluation
    from workers.detectors.registry import create_detector, detector_config

    operating = detector_config(model, config)
    threshold = float(operating.score_threshold)  # type: ignore[attr-defined]
    detector = create_detector(model, {**config, "score_threshold": 0.05})
    samples = evaluation.load_pedestrians(root)
    if mosaic_grid:
        samples = evaluation.mosaic(samples, mosaic_grid)
    matches = evaluation.Matches()
    started = time.perf_counter()
    for sample in samples:
        dets = [d for d in detector.detect(sample.image) if d.label == "person"]
        matches.add(dets, sample.boxes)
    seconds = (time.perf_counter() - started) / len(samples)
    detector.close()
    return evaluation.report(matches, threshold), seconds


def run(args: argparse.Namespace) -> int:
    from workers.detectors.evaluation import format_report
    from workers.models.paths import footage_dir

    root = args.root
    if root is None:
        footage = footage_dir()
        if footage is None:
            log.error("no --root given and ../shared/data/footage is absent")
            return 2
        root = footage / "pedestrians"
    config: dict[str, Any] = {}
    if args.precision:
        config["precision"] = args.precision
    if args.threshold is not None:
        config["score_threshold"] = args.threshold
    if args.tile:
        config["tiling"] = {"enabled": True}
        if args.tile_size:
            config["tiling"]["tile_size"] = args.tile_size
    result, seconds = evaluate(args.model, config, root, args.mosaic)
    title = f"{args.model} {args.precision or 'default'}" + (" tiled" if args.tile else "")
    title += f" mosaic {args.mosaic}x{args.mosaic}" if args.mosaic else " photos"
    if args.json:
        print(json.dumps({"title": title, "seconds_per_frame": seconds, **asdict(result)}))
    else:
        print(format_report(title, result) + f"\n  {seconds * 1000:.1f} ms/frame")
    return 0
