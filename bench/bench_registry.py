"""Seeding and importing the camera registry (issue: foundation, targets < 60 s each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

from bench.__main__ import result

ROOT = Path(__file__).resolve().parents[1]


def _bench_database_url(suffix: str = "_bench") -> str:
    """A freshly created database next to the configured one (`haechi` → `haechi_bench`)."""
    base = os.environ.get("DATABASE_URL", "postgres://haechi@127.0.0.1:54329/haechi")
    parsed = urlparse(base)
    name = parsed.path.lstrip("/") + suffix
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}"')
        conn.execute(f'create database "{name}" template template1')
    return urlunparse(parsed._replace(path=f"/{name}"))


def run() -> list[dict]:
    env = {**os.environ, "DATABASE_URL": _bench_database_url(), "HAECHI_LOG_LEVEL": "WARNING"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.registry_run"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=900,
    )  # fmt: skip
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    orm_rate = data["orm_count"] / data["orm_seconds"]
    seed_rate = 160_000 / data["seed_seconds"]
    rows = [
        result("registry.seed_160k_seconds", data["seed_seconds"], "s",
               notes="seed_cameras --count 160000: generate + COPY + upsert; target < 60 s",
               higher_is_better=False),
        result("registry.seed_rate", seed_rate, "cameras/s", baseline="ORM save() per camera",
               baseline_value=orm_rate, notes=f"baseline on {data['orm_count']} cameras, same run"),
    ]  # fmt: skip
    if data["import_seconds"]:
        rows.append(
            result(
                "registry.import_ansimi_seconds",
                data["import_seconds"],
                "s",
                notes=f"real 안심이 file, {data['import_cameras']:,} cameras (83,734 sites); target < 60 s",
                higher_is_better=False,
            )
        )
        rows.append(
            result(
                "registry.import_rate",
                data["import_cameras"] / data["import_seconds"],
                "cameras/s",
                baseline="ORM save() per camera",
                baseline_value=orm_rate,
            )
        )
    return rows
