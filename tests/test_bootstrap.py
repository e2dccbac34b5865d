"""The bootstrap is idempotent: a second run only checks, changes nothing and is fast."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _migration_state() -> str:
    return subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "showmigrations", "--plan"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@pytest.mark.slow
def test_second_bootstrap_changes_nothing():
    before = _migration_state()
    requirements_stamp = (ROOT / ".var/stamps/requirements.sha256").stat().st_mtime
    started = time.perf_counter()
    proc = subprocess.run(
        ["bash", "scripts/bootstrap.sh"], cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "HAECHI_EXTERNAL_PG", "HAECHI_EXTERNAL_REDIS"}},
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "system packages: all present" in proc.stderr
    assert "Python requirements: up to date" in proc.stderr
    assert "PostgreSQL: running" in proc.stderr and "Redis: running" in proc.stderr
    assert (ROOT / ".var/stamps/requirements.sha256").stat().st_mtime == requirements_stamp
    assert _migration_state() == before
    assert elapsed < 120, f"second bootstrap took {elapsed:.0f} s"
