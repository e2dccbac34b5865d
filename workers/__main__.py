"""`python -m workers <command>`: each command lives in workers/cli/<command>.py.

A command module defines `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import workers.cli


def _commands() -> dict[str, object]:
    found: dict[str, object] = {}
    for info in pkgutil.iter_modules(workers.cli.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"workers.cli.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            found[module.NAME] = module
    return found


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands = _commands()
    for name, module in sorted(commands.items()):
        command_parser = sub.add_parser(name, help=module.HELP)  # type: ignore[attr-defined]
        module.add_arguments(command_parser)  # type: ignore[attr-defined]
    args = parser.parse_args(argv)
    return int(commands[args.command].run(args))  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
