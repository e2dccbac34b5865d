"""Agent console in headless Chromium with the 160,000-camera registry (issue: dashboard)."""

from __future__ import annotations

from bench.__main__ import result
from bench.django_run import run_django_bench


def run() -> list[dict]:
    data = run_django_bench("bench.dashboard_run", suffix="_bench_ui")
    return [
        result("dashboard.agent_console_first_paint_ms", data["first_paint_ms"], "ms",
               notes="navigation start → map idle (district + camera tiles) with 160,000 cameras, "
               "headless Debian Chromium, software GL; target ≤ 2000 ms", higher_is_better=False),
        result("dashboard.pan_fps", data["pan_fps"], "frames/s",
               notes="requestAnimationFrame rate while panning at z13 over central Seoul "
               "(software GL on 2 shared cores)"),
    ]  # fmt: skip
