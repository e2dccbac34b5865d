"""Agent console in headless Chromium with the 160,000-camera registry (issue: dashboard)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.__main__ import result
from bench.bench_registry import _bench_database_url

ROOT = Path(__file__).resolve().parents[1]


def run() -> list[dict]:
    env = {
        **os.environ,
        "DATABASE_URL": _bench_database_url(suffix="_bench_ui"),
        "HAECHI_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.dashboard_run"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=900,
    )  # fmt: skip
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return [
        result("dashboard.agent_console_first_paint_ms", data["first_paint_ms"], "ms",
               notes="navigation start → map idle (district + camera tiles) with 160,000 cameras, "
               "headless Debian Chromium, software GL; target ≤ 2000 ms", higher_is_better=False),
        result("dashboard.pan_fps", data["pan_fps"], "frames/s",
               notes="requestAnimationFrame rate while panning at z13 over central Seoul "
               "(software GL on 2 shared cores)"),
    ]  # fmt: skip
