"""`python -m workers host --capacity N [--name NAME]`: run a continuous video host.

A host is a Celery worker of `workers.celery_app` on the `video` queue (solo pool: its tasks are
short) whose `CameraHostStep` watches up to N cameras continuously. Start more hosts, on this
machine or others on the same Redis, to watch more cameras; they share the cameras fairly.
"""

from __future__ import annotations

import argparse
import os
import socket

NAME = "host"
HELP = "watch many cameras continuously (a Celery video worker with a camera host)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--capacity", type=int, default=20, help="most cameras watched at once")
    parser.add_argument("--name", default="video", help="host name (made unique with @machine)")
    parser.add_argument("--loglevel", default="INFO")


def run(args: argparse.Namespace) -> int:
    if args.capacity < 1:
        raise SystemExit("--capacity must be at least 1")
    os.environ["HAECHI_HOST_CAPACITY"] = str(args.capacity)
    from workers.settings import get_settings

    get_settings.cache_clear()
    from workers.celery_app import create_app
    from workers.contracts import VIDEO_QUEUE

    name = args.name if "@" in args.name else f"{args.name}@{socket.gethostname()}"
    create_app().worker_main(
        [
            "worker", "-Q", VIDEO_QUEUE, "-P", "solo", "-n", name, "--loglevel", args.loglevel,
            "--without-mingle", "--without-gossip",
        ]
    )  # fmt: skip
    return 0
