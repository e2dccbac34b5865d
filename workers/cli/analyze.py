"""`python -m workers analyze PATH [--zones FILE] [--json]`: the worker pipeline on a file.

One JSON line per behaviour event: {"type", "start_s", "end_s", "score", "track_ids", "box"}
(DESIGN.md §3). Without --json a readable line per event. A summary (frames, detector share,
skipped fraction, time per stage) goes to stderr. Exit code 0, or 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

NAME = "analyze"
HELP = "run the full worker pipeline on a video file and print behaviour events"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, metavar="PATH")
    parser.add_argument("--zones", type=Path, default=None, help="scene file (JSON/YAML)")
    parser.add_argument("--json", action="store_true", help="one JSON line per event")
    parser.add_argument("--fps", type=float, default=5.0, help="frames analysed per second")
    parser.add_argument(
        "--detector", default="person", help="detector plugin key, or 'none' for rules only"
    )
    parser.add_argument("--motion-blobs", action="store_true", help="add foreground blobs")
    parser.add_argument("--no-gate", action="store_true", help="run the detector on every frame")


def run(args: argparse.Namespace) -> int:
    from workers.pipeline import PipelineConfig, analyse_file
    from workers.rules.registry import SceneConfig

    logging.getLogger("workers.stream").setLevel(logging.WARNING)
    scene = SceneConfig.load(args.zones) if args.zones else SceneConfig()
    config = PipelineConfig(
        detector=None if args.detector == "none" else args.detector,
        motion_blobs=args.motion_blobs,
    )
    config.stream.detect_fps = args.fps
    config.gate.enabled = not args.no_gate
    events, pipeline = analyse_file(args.path, scene=scene, config=config)
    if pipeline.stats.frames == 0:
        print(f"cannot read {args.path}", file=sys.stderr)
        return 2
    for event in events:
        if args.json:
            print(json.dumps(event.as_json()), flush=True)
        else:
            line = event.as_json()
            print(
                f"{line['type']:<12} {line['start_s']:>8.2f}–{line['end_s']:<8.2f} "
                f"score {line['score']:.2f} tracks {line['track_ids']} box {line['box']}"
            )
    summary = pipeline.stats.as_dict(pipeline.gate.stats.skipped_fraction)
    print(json.dumps({"summary": summary}), file=sys.stderr)
    return 0
