"""Watching is visible: live analysis in the API, the stored state, filters, counts, pushes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.cameras.models import CameraAnalysisState
from backend.cameras.services.analysis import cameras_analysis_refresh
from backend.realtime.models import RealtimeEvent
from tests.factories import COEX, make_camera, make_user
from workers.contracts import CameraAnalysis, analysis_key

pytestmark = pytest.mark.django_db
URL = "rtsp://127.0.0.1:8654/cam"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def report(redis_client, code: str, error: str | None = None) -> None:
    analysis = CameraAnalysis(
        camera=code, host="host-a", since=NOW, fps=4.5, last_frame_at=NOW, skipped_fraction=0.25,
        lag_s=0.4, error=error, updated_at=NOW,
    )  # fmt: skip
    redis_client.set(analysis_key(code), analysis.model_dump_json(), ex=60)


def client_for(role: Role) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


@pytest.fixture
def cameras():
    return {
        "watched": make_camera(*COEX, code="A-W", has_ai=True, stream_url=URL + "/w"),
        "idle": make_camera(*COEX, code="A-N", has_ai=True, stream_url=URL + "/n"),
        "broken": make_camera(*COEX, code="A-E", has_ai=True, stream_url=URL + "/e"),
        "legacy": make_camera(*COEX, code="L-1", has_ai=False),
    }


def props(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {f["properties"]["code"]: f["properties"] for f in response.json()["features"]}


def test_list_and_detail_show_live_analysis(cameras, video_redis):
    report(video_redis, "A-W")
    report(video_redis, "A-E", error="connecting")
    client = client_for(Role.PLANNER)
    got = props(client.get("/api/v1/cameras/"))
    assert got["A-W"]["analysis"] == {
        "host": "host-a", "since": "2026-01-05T12:00:00Z", "fps": 4.5,
        "last_frame_at": "2026-01-05T12:00:00Z", "skipped_fraction": 0.25, "lag_s": 0.4,
        "error": None,
    }  # fmt: skip
    states = {code: p["analysis_state"] for code, p in got.items()}
    assert states == {"A-W": "watched", "A-N": "not_watched", "A-E": "error", "L-1": None}
    assert got["A-N"]["analysis"] is None and got["L-1"]["analysis"] is None
    detail = client.get(f"/api/v1/cameras/{cameras['watched'].pk}/").json()["properties"]
    assert detail["analysis"]["host"] == "host-a" and detail["analysis_state"] == "watched"


def test_refresh_stores_states_filters_counts_and_pushes_transitions(cameras, video_redis):
    report(video_redis, "A-W")
    report(video_redis, "A-E", error="stalled")
    first = cameras_analysis_refresh()
    assert (first.checked, first.changed, first.frames) == (3, 3, 0)  # first check: no frames
    stored = dict(CameraAnalysisState.objects.values_list("camera__code", "state"))
    assert stored == {"A-W": "watched", "A-N": "not_watched", "A-E": "error"}

    client = client_for(Role.ADMIN)
    assert set(props(client.get("/api/v1/cameras/?analysis=watched"))) == {"A-W"}
    assert set(props(client.get("/api/v1/cameras/?analysis=not_watched,error"))) == {"A-N", "A-E"}
    assert client.get("/api/v1/cameras/?analysis=sleeping").status_code == 400
    gangnam = next(d for d in client.get("/api/v1/districts/").json() if d["code"] == "11680")
    assert gangnam["ai_not_watched_count"] == 2
    rollout = client.get("/api/v1/cameras/rollout/").json()
    assert rollout["analysis"] == {
        "analysable": 3, "watched": 1, "not_watched": 1, "error": 1, "unchecked": 0,
    }  # fmt: skip
    assert [(d["code"], d["unwatched"]) for d in rollout["districts"]] == [("11680", 2)]
    assert rollout["unwatched_total"] == 2

    assert cameras_analysis_refresh().changed == 0  # nothing moved: no writes, no frames
    video_redis.delete(analysis_key("A-W"))  # its host died
    report(video_redis, "A-N")  # another host took it
    before = RealtimeEvent.objects.count()
    second = cameras_analysis_refresh()
    assert (second.changed, second.frames) == (2, 2)
    frames = [e.as_frame() for e in RealtimeEvent.objects.order_by("id")[before:]]
    assert {f["type"] for f in frames} == {"camera.status_changed"}
    moved = {f["camera"]["code"]: f["camera"] for f in frames}
    assert moved["A-W"]["analysis_state"] == "not_watched"
    assert moved["A-W"]["previous_analysis_state"] == "watched"
    assert moved["A-N"]["analysis_state"] == "watched"
    assert moved["A-W"]["status"] == "online" and moved["A-W"]["lon"] == pytest.approx(COEX[0])


def test_cameras_that_stop_being_analysable_lose_their_state(cameras, video_redis):
    cameras_analysis_refresh()
    cameras["idle"].status = "maintenance"
    cameras["idle"].save()
    result = cameras_analysis_refresh()
    assert result.cleared == 1
    assert not CameraAnalysisState.objects.filter(camera=cameras["idle"]).exists()


def test_redis_outage_keeps_the_api_up_with_stored_state(cameras, video_redis, settings):
    cameras_analysis_refresh()
    settings.HAECHI_VIDEO_REDIS_URL = "redis://127.0.0.1:1/0"
    assert cameras_analysis_refresh().skipped
    got = props(client_for(Role.PLANNER).get("/api/v1/cameras/"))
    assert got["A-N"]["analysis_state"] == "not_watched" and got["A-N"]["analysis"] is None


def test_an_offline_camera_a_host_watches_again_is_back_online(cameras, video_redis):
    camera = cameras["watched"]
    camera.status = "offline"  # an offline event set it so
    camera.save()
    report(video_redis, camera.code, error="reconnecting: attempt 3 in 2.0 s")
    cameras_analysis_refresh()
    camera.refresh_from_db()
    assert camera.status == "offline"  # still failing: stays offline
    report(video_redis, camera.code)
    cameras_analysis_refresh()
    camera.refresh_from_db()
    assert camera.status == "online"
    frames = [e.as_frame() for e in RealtimeEvent.objects.filter(type="camera.status_changed")]
    back = [f["camera"] for f in frames if f["camera"]["code"] == camera.code]
    assert back and back[-1]["status"] == "online" and back[-1]["previous"] == "offline"


def test_an_analysable_camera_not_checked_yet_counts_as_not_watched(cameras, video_redis):
    """Before the first refresh there is no stored state: the filter and the counts must not
    hide such a camera from the supervisor."""
    client = client_for(Role.SUPERVISOR)
    not_watched = props(client.get("/api/v1/cameras/?analysis=not_watched"))
    assert {"A-W", "A-N", "A-E"} <= set(not_watched) and "L-1" not in not_watched
    rollout = client.get("/api/v1/cameras/rollout/").json()
    assert rollout["unwatched_total"] >= 3
