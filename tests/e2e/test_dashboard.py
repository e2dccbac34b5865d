"""The assembled dashboard in headless Chromium against the real running stack."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.accounts.roles import Role
from backend.alerts.models import Alert
from backend.cameras.models import Camera
from tests.e2e.conftest import ARTIFACTS, broker_app, screenshot, wait_for_worker
from tests.factories import CITY_HALL, COEX, make_camera, make_user
from workers.contracts import BehaviourEvent
from workers.publish import Publisher

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]


def record_timing(name: str, value: float, unit: str) -> None:
    path = ARTIFACTS / "timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = {"value": round(value, 4), "unit": unit}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def rendered_features(page, layer: str) -> int:  # type: ignore[no-untyped-def]
    """How many features of a map layer are drawn once the map is idle (tiles loaded)."""
    return page.evaluate(
        """(layer) => new Promise((resolve) => {
            const count = () => resolve(window.haechiMap.queryRenderedFeatures({layers: [layer]}).length);
            const map = window.haechiMap;
            if (map.loaded() && map.areTilesLoaded()) count(); else map.once("idle", count);
        })""",
        layer,
    )


def publish(broker: str, outbox: Path, camera: str, type_: str = "fight") -> BehaviourEvent:
    """Publish as a video worker does: contract message → Celery task by name → ingest queue."""
    now = datetime.now(UTC)
    event = BehaviourEvent(
        event_id=uuid.uuid4(), camera=camera, type=type_, severity="high", score=0.9,
        started_at=now - timedelta(seconds=3), ended_at=now, track_ids=[1, 2],
    )  # fmt: skip
    assert Publisher(broker_app(broker), outbox).publish(event)
    return event


def test_admin_imports_a_csv_with_one_bad_row_and_sees_the_report(login, tmp_path):
    make_user(Role.ADMIN, username="e2e-admin")
    make_camera(*CITY_HALL, code="KEEP-1")
    before = Camera.objects.count()
    csv = tmp_path / "cameras.csv"
    csv.write_text(
        "code,lon,lat,heading_deg\n"
        f"NEW-1,{CITY_HALL[0]},{CITY_HALL[1]},90\n"
        f"NEW-2,{CITY_HALL[1]},{CITY_HALL[0]},90\n"  # swapped lon/lat on line 3
    )
    page = login("e2e-admin")
    page.goto(page.url.split("#")[0] + "#/registry")
    page.wait_for_selector("table.cameras tbody tr[data-camera='KEEP-1']")
    screenshot(page, "registry")
    page.set_input_files("form.import input[type=file]", str(csv))
    page.click("form.import button[type=submit]")
    page.wait_for_selector(".import-report table.report")
    cells = page.locator(".import-report table.report tbody tr td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "lon" and "swapped" in cells[2]
    assert "Nothing imported" in page.inner_text(".import-report p")
    assert Camera.objects.count() == before
    screenshot(page, "registry-import-report")


def test_agent_sees_a_live_alert_acts_on_it_and_other_districts_never_see_it(
    login, ingest_worker, tmp_path
):
    make_camera(*CITY_HALL, code="CAM-JUNG")
    make_camera(*COEX, code="CAM-GANGNAM")
    make_user(Role.AGENT, "11140", username="agent-a")
    make_user(Role.AGENT, "11680", username="agent-b")
    page_a, page_b = login("agent-a"), login("agent-b")
    for page in (page_a, page_b):
        page.wait_for_selector(".conn-open", timeout=20_000)
    wait_for_worker(broker_app(ingest_worker))

    started = time.perf_counter()
    event = publish(ingest_worker, tmp_path / "outbox", "CAM-JUNG")
    page_a.wait_for_selector(".feed li.alert", timeout=20_000)
    latency = time.perf_counter() - started
    record_timing("publish_to_feed_seconds", latency, "s")
    assert latency < 5, f"alert took {latency:.2f} s to reach the feed"
    assert "CAM-JUNG" in page_a.inner_text(".feed")
    # The map draws the agent's districts and cameras from vector tiles.
    page_a.wait_for_function("() => window.haechiMap && window.haechiMap.loaded()")
    assert rendered_features(page_a, "districts-fill") > 0
    screenshot(page_a, "agent-console-live-alert")

    # Agent B sees B's own alert, and never A's.
    publish(ingest_worker, tmp_path / "outbox", "CAM-GANGNAM", "fall")
    page_b.wait_for_selector(".feed li.alert", timeout=20_000)
    assert "CAM-GANGNAM" in page_b.inner_text(".feed")
    assert "CAM-JUNG" not in page_b.inner_text(".feed")

    alert = Alert.objects.get(event_uuid=event.event_id)
    page_a.click(f".feed li[data-alert-id='{alert.pk}'] button")
    page_a.wait_for_selector(".alert-detail .actions")
    page_a.fill("#alert-note", "on it")
    page_a.click(".alert-detail .actions button:has-text('Acknowledge')")
    page_a.wait_for_selector(f".feed li.st-acknowledged[data-alert-id='{alert.pk}']")
    page_a.click(".alert-detail .actions button:has-text('Resolve')")
    page_a.wait_for_selector(".count-resolved:has-text('resolved: 1')")
    alert.refresh_from_db()
    assert alert.status == "resolved"
    screenshot(page_a, "agent-console-resolved")

    # Up close, cameras are points with their field-of-view cones.
    page_a.evaluate(
        f"window.haechiMap.jumpTo({{center: [{CITY_HALL[0]}, {CITY_HALL[1]}], zoom: 17}})"
    )
    page_a.wait_for_function(
        "() => window.haechiMap.queryRenderedFeatures({layers: ['fov-cones']}).length > 0",
        timeout=15_000,
    )
    assert rendered_features(page_a, "cameras-points") >= 1
    screenshot(page_a, "agent-console-fov-cones")


def test_feed_resumes_after_a_network_drop_without_missing_alerts(login, ingest_worker, tmp_path):
    make_camera(*CITY_HALL, code="CAM-DROP")
    make_user(Role.AGENT, "11140", username="agent-drop")
    page = login("agent-drop")
    page.wait_for_selector(".conn-open", timeout=20_000)
    wait_for_worker(broker_app(ingest_worker))
    page.evaluate("window.haechiSocket.stop()")
    page.wait_for_selector(".conn-closed")
    missed = publish(ingest_worker, tmp_path / "outbox", "CAM-DROP")
    deadline = time.monotonic() + 60
    while not Alert.objects.filter(event_uuid=missed.event_id).exists():
        assert time.monotonic() < deadline, "ingest worker did not store the alert"
        time.sleep(0.1)
    assert page.locator(".feed li.alert").count() == 0
    page.evaluate("window.haechiSocket.start()")
    page.wait_for_selector(".feed li.alert", timeout=20_000)
    assert "CAM-DROP" in page.inner_text(".feed")


def test_planner_sees_coverage_per_district_and_switches_to_night(login):
    from django.core.management import call_command

    from backend.cameras.services.seeding import cameras_seed

    cameras_seed(count=3000, seed=5)
    call_command("compute_analytics", "--k", "10", "--cell", "25")
    make_user(Role.PLANNER, username="e2e-planner")
    page = login("e2e-planner")
    assert (
        "#/planning" in page.url
        or page.locator("nav a[aria-current=page]").inner_text() == "Planning"
    )
    page.wait_for_selector("table.coverage tbody tr[data-district='11140']", timeout=30_000)
    assert page.locator("table.coverage tbody tr").count() == 25
    day = page.inner_text("table.coverage tbody tr[data-district='11140']")
    page.wait_for_selector("ol.sites li")
    assert rendered_features(page, "districts-fill") > 0
    screenshot(page, "planning-day")
    page.click(".toggle button:has-text('Night')")
    page.wait_for_function(
        "(before) => document.querySelector(\"table.coverage tbody tr[data-district='11140']\")"
        ".innerText !== before",
        arg=day,
        timeout=15_000,
    )
    screenshot(page, "planning-night")
