"""Run a Django benchmark module in a subprocess against a freshly created database.

The benchmark modules (`bench/*_run.py`) set up Django themselves and print one JSON object on
their last stdout line; a fresh `<db><suffix>` database keeps the developer's data untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parents[1]


def fresh_database_url(suffix: str = "_bench") -> str:
    """Drop and create `<db><suffix>` next to the configured database; return its URL."""
    base = os.environ.get("DATABASE_URL", "postgres://haechi@127.0.0.1:54329/haechi")
    parsed = urlparse(base)
    name = parsed.path.lstrip("/") + suffix
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}" template template1')
    return urlunparse(parsed._replace(path=f"/{name}"))


def run_django_bench(
    module: str, *, suffix: str, timeout: int = 900, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """`python -m <module>` with DATABASE_URL on a fresh database; its last stdout line as JSON."""
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database_url(suffix),
        "HAECHI_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    proc = subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=timeout,
    )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])
