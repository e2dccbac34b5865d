"""The registry shows whether each AI camera is watched: a "Watching" column that matches the
camera API's `analysis_state`, a filter that asks the API for `analysis=…`, and AI cameras not
watched per district in the health panel."""

from __future__ import annotations

import pytest

from backend.accounts.roles import Role
from tests.e2e.conftest import screenshot
from tests.factories import CITY_HALL, make_camera, make_user

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]

SYMBOL = {"watched": "●", "not_watched": "○", "error": "⚠", None: "—"}


def test_planner_sees_and_filters_which_ai_cameras_are_watched(login):
    make_camera(*CITY_HALL, code="AI-UNWATCHED", has_ai=True, kind="new_ai", status="online",
                stream_url="rtsp://127.0.0.1:1/none")  # fmt: skip
    make_camera(CITY_HALL[0] + 0.001, CITY_HALL[1], code="LEGACY-1", has_ai=False)
    make_user(Role.PLANNER, username="e2e-planner")
    page = login("e2e-planner")
    page.goto(page.url.split("#")[0] + "#/registry")
    row = "table.cameras tbody tr[data-camera='AI-UNWATCHED']"
    page.wait_for_selector(row)
    headers = page.locator("table.cameras thead th").all_inner_texts()
    assert "Watching" in headers

    api = page.evaluate(
        """() => fetch('/api/v1/cameras/?q=AI-UNWATCHED', {headers: {Accept: 'application/json'}})
                   .then((r) => r.json())"""
    )
    expected = api["features"][0]["properties"].get("analysis_state")
    cell = page.locator(f"{row} td.watch")
    assert cell.get_attribute("data-analysis-state") == (expected or "")
    assert cell.inner_text().startswith(SYMBOL[expected])
    legacy = page.locator("table.cameras tbody tr[data-camera='LEGACY-1'] td.watch")
    assert legacy.inner_text() == "—"  # not an AI camera: nothing to watch

    with page.expect_request(
        lambda r: "/api/v1/cameras/?" in r.url and "analysis=not_watched" in r.url
    ):
        page.select_option("select.watching-filter", "not_watched")
    page.wait_for_selector("table.cameras tbody tr")
    assert page.locator(".health thead th").all_inner_texts()[-1] == "AI not watched"
    assert page.locator(".health td.unwatched").count() > 0
    screenshot(page, "registry-watching")
