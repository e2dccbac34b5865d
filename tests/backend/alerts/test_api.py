"""REST: scoped list/detail with filters; workflow actions with history, audit and frames."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.alerts.models import Alert, AlertHistory
from backend.alerts.services import alert_ingest
from backend.audit.models import AuditEntry
from backend.realtime.models import RealtimeEvent
from tests.backend.alerts.events import T0, event
from tests.factories import CITY_HALL, COEX, SINCHON, make_camera, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    make_camera(*COEX, code="CAM-GN")  # 강남구
    make_camera(*CITY_HALL, code="CAM-JG")  # 중구
    make_camera(*SINCHON, code="CAM-SDM")  # 서대문구
    gn = alert_ingest(payload=event("CAM-GN", type="fight", severity="high", at_s=0)).alert
    jg = alert_ingest(payload=event("CAM-JG", type="fall", severity="low", at_s=60)).alert
    sdm = alert_ingest(payload=event("CAM-SDM", type="fire", severity="critical", at_s=120)).alert
    return {"gn": gn, "jg": jg, "sdm": sdm}


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_anonymous_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    assert APIClient().get("/api/v1/alerts/").status_code in (401, 403)


def test_agent_sees_only_their_districts(world) -> None:  # type: ignore[no-untyped-def]
    agent = client_for(make_user(Role.AGENT, "11680", "11140"))
    assert ids(agent.get("/api/v1/alerts/")) == {world["gn"].pk, world["jg"].pk}
    assert agent.get(f"/api/v1/alerts/{world['sdm'].pk}/").status_code == 404
    assert agent.get(f"/api/v1/alerts/{world['gn'].pk}/").json()["camera_code"] == "CAM-GN"
    supervisor = client_for(make_user(Role.SUPERVISOR))
    assert len(ids(supervisor.get("/api/v1/alerts/"))) == 3


def test_filters(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(make_user(Role.SUPERVISOR))
    gn, jg, sdm = world["gn"].pk, world["jg"].pk, world["sdm"].pk
    assert ids(c.get("/api/v1/alerts/?type=fight,fire")) == {gn, sdm}
    assert ids(c.get("/api/v1/alerts/?severity=critical")) == {sdm}
    assert ids(c.get("/api/v1/alerts/?district=11140")) == {jg}
    assert ids(c.get("/api/v1/alerts/?district=강남구")) == {gn}
    assert ids(c.get("/api/v1/alerts/?camera=CAM-SDM")) == {sdm}
    assert ids(c.get("/api/v1/alerts/?status=new")) == {gn, jg, sdm}
    assert ids(c.get("/api/v1/alerts/?status=resolved")) == set()
    since = (T0.replace(second=30)).isoformat()
    until = (T0.replace(minute=1, second=30)).isoformat()
    assert ids(c.get("/api/v1/alerts/", {"since": since, "until": until})) == {jg}
    assert ids(c.get("/api/v1/alerts/?bbox=127.0,37.5,127.1,37.55")) == {gn}
    assert c.get("/api/v1/alerts/?status=bogus").status_code == 400
    assert c.get("/api/v1/alerts/?bbox=1,2,3").status_code == 400


def test_ack_dispatch_resolve_round_trip_with_history_audit_and_frames(world) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.AGENT, "11680")
    c = client_for(user)
    pk = world["gn"].pk
    seq_before = RealtimeEvent.objects.order_by("-id").first().id
    # cannot resolve before acknowledging
    r = c.post(f"/api/v1/alerts/{pk}/resolve/", {"note": "x"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_transition"
    r = c.post(f"/api/v1/alerts/{pk}/acknowledge/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = c.post(f"/api/v1/alerts/{pk}/assign/", {"assignee": user.pk}, format="json")
    assert r.status_code == 200 and r.json()["assignee_id"] == user.pk
    r = c.post(f"/api/v1/alerts/{pk}/dispatch/", {"note": "patrol 3"}, format="json")
    assert r.json()["status"] == "dispatched"
    r = c.post(f"/api/v1/alerts/{pk}/resolve/", {"note": "people separated"}, format="json")
    assert r.json()["status"] == "resolved"
    assert r.json()["resolution_note"] == "people separated"
    history = list(
        AlertHistory.objects.filter(alert_id=pk).values_list("action", "from_status", "to_status")
    )
    assert history == [
        ("created", "", "new"),
        ("acknowledge", "new", "acknowledged"),
        ("assign", "acknowledged", "acknowledged"),
        ("dispatch", "acknowledged", "dispatched"),
        ("resolve", "dispatched", "resolved"),
    ]
    actions = list(
        AuditEntry.objects.filter(object_id=str(pk), object_type="alerts.alert")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["alert.acknowledge", "alert.assign", "alert.dispatch", "alert.resolve"]
    frames = list(RealtimeEvent.objects.filter(id__gt=seq_before).order_by("id"))
    assert [f.type for f in frames] == ["alert.updated"] * 4
    assert [f.frame["alert"]["status"] for f in frames] == [
        "acknowledged",
        "acknowledged",
        "dispatched",
        "resolved",
    ]
    r = c.post(f"/api/v1/alerts/{pk}/acknowledge/", {}, format="json")
    assert r.status_code == 400


def test_false_positive_needs_reason(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(make_user(Role.SUPERVISOR))
    pk = world["sdm"].pk
    assert c.post(f"/api/v1/alerts/{pk}/false-positive/", {}, format="json").status_code == 400
    r = c.post(f"/api/v1/alerts/{pk}/false-positive/", {"reason": "   "}, format="json")
    assert r.status_code == 400
    r = c.post(f"/api/v1/alerts/{pk}/false-positive/", {"reason": "steam"}, format="json")
    assert r.status_code == 200
    alert = Alert.objects.get(pk=pk)
    assert (alert.status, alert.resolution_note) == ("false_positive", "steam")


def test_agent_cannot_act_on_other_district(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(make_user(Role.AGENT, "11680"))
    pk = world["sdm"].pk
    for path, body in [
        ("acknowledge", {}),
        ("dispatch", {}),
        ("resolve", {}),
        ("false-positive", {"reason": "x"}),
        ("assign", {"assignee": 1}),
    ]:
        assert c.post(f"/api/v1/alerts/{pk}/{path}/", body, format="json").status_code == 404
    assert Alert.objects.get(pk=pk).status == "new"
    assert AlertHistory.objects.filter(alert_id=pk).count() == 1


def test_planner_reads_but_cannot_act_and_assignee_must_cover_district(world) -> None:  # type: ignore[no-untyped-def]
    planner = client_for(make_user(Role.PLANNER))
    pk = world["gn"].pk
    assert planner.get(f"/api/v1/alerts/{pk}/").status_code == 200
    assert planner.post(f"/api/v1/alerts/{pk}/acknowledge/", {}, format="json").status_code == 403
    other_agent = make_user(Role.AGENT, "11410")
    sup = client_for(make_user(Role.SUPERVISOR))
    r = sup.post(f"/api/v1/alerts/{pk}/assign/", {"assignee": other_agent.pk}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_assignee"
