"""The project's private PostgreSQL and Redis, driven through scripts/services.sh (fault tests)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "scripts" / "services.sh"


def run_services(command: str) -> None:
    """`scripts/services.sh COMMAND` (start, restart-redis, restart-postgres, ...)."""
    subprocess.run([str(SERVICES), command], cwd=ROOT, check=True, timeout=120,
                   capture_output=True)  # fmt: skip
