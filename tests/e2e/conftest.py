"""Browser end-to-end fixtures: the real ASGI server (daphne) on the test database, a real
Celery ingest worker, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from bench.chromium import CHROMIUM, launch_chromium
from tests.backend.realtime.conftest import committed_db, restore_reference_data  # noqa: F401
from tests.backend.realtime.test_worker_end_to_end import ingest_worker  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# alongside it are ordinary blocking calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """daphne serving backend.config.asgi on a free port, connected to the test database."""
    from django.db import connection

    if not (ROOT / "frontend/dist/index.html").exists():
        pytest.fail(
            "frontend/dist is missing: the bootstrap builds it (cd frontend && npm run build)"
        )
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    from backend.config import env

    database_url = urlunparse(urlparse(env.DATABASE_URL)._replace(path=f"/{name}"))
    port = _free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "backend.config.asgi:application"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
             "DATABASE_URL": database_url, "CELERY_BROKER_URL": _broker_url()},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"daphne exited: {proc.stdout.read() if proc.stdout else ''}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=15)


def _broker_url() -> str:
    from tests.backend.realtime.test_worker_end_to_end import _broker_url as broker

    return broker()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: the bootstrap installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def login(browser, asgi_server):  # type: ignore[no-untyped-def]
    """Open a fresh browser context and sign in through the login form."""
    contexts = []

    def sign_in(username: str, password: str = "correct-horse-battery"):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(asgi_server + "/")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("nav[aria-label=Main]")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_for_worker(app, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    """Block until a Celery worker on the app's broker answers a ping (start-up is slow on a
    loaded 2-core machine), so timings measure the pipeline, not the worker's boot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    pytest.fail(f"no Celery worker answered within {timeout:.0f} s")


def broker_app(broker: str, name: str = "e2e"):  # type: ignore[no-untyped-def]
    """A send-only Celery app on the test broker, with the test session's transport options
    (parallel sessions prefix their broker keys; see backend/config/settings/test.py)."""
    from celery import Celery
    from django.conf import settings

    app = Celery(name, broker=broker)
    app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    return app
