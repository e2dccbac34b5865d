"""Notes on alerts (append-only, pushed) and false-positive feedback per camera and type."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from backend.accounts.roles import Role
from backend.alerts.models import Alert, AlertHistory
from backend.alerts.services import (
    alert_acknowledge,
    alert_dispatch,
    alert_false_positive,
    alert_ingest,
    alert_resolve,
)
from backend.audit.models import AuditEntry
from backend.realtime.models import RealtimeEvent
from tests.backend.alerts.events import event
from tests.backend.alerts.test_api import client_for
from tests.factories import CITY_HALL, COEX, make_camera, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cameras() -> None:
    make_camera(*COEX, code="CAM-GN")
    make_camera(*CITY_HALL, code="CAM-JG")


def test_note_is_appended_to_history_audited_and_pushed(cameras) -> None:  # type: ignore[no-untyped-def]
    alert = alert_ingest(payload=event("CAM-GN")).alert
    agent = make_user(Role.AGENT, "11680")
    c = client_for(agent)
    seq_before = RealtimeEvent.objects.order_by("-id").first().id

    r = c.post(f"/api/v1/alerts/{alert.pk}/notes/", {"note": "  two people, one on the ground "})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["alert_id"], body["actor_id"], body["note"]) == (
        alert.pk,
        agent.pk,
        "two people, one on the ground",
    )
    c.post(f"/api/v1/alerts/{alert.pk}/notes/", {"note": "police on the way"})
    notes = c.get(f"/api/v1/alerts/{alert.pk}/notes/").json()
    assert [n["note"] for n in notes] == ["two people, one on the ground", "police on the way"]

    history = list(AlertHistory.objects.filter(alert=alert).values_list("action", "to_status"))
    assert history == [("created", "new"), ("note", "new"), ("note", "new")]
    assert Alert.objects.get(pk=alert.pk).status == "new"  # a note changes no state
    assert AuditEntry.objects.filter(action="alert.note", object_id=str(alert.pk)).count() == 2
    frames = list(RealtimeEvent.objects.filter(id__gt=seq_before).order_by("id"))
    assert [f.type for f in frames] == ["alert.updated", "alert.updated"]
    assert frames[0].frame["note"]["note"] == "two people, one on the ground"
    assert frames[0].district_id == alert.district_id

    # append-only: a stored note cannot be edited or deleted
    entry = AlertHistory.objects.filter(alert=alert, action="note").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AlertHistory.objects.filter(pk=entry.pk).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AlertHistory.objects.filter(pk=entry.pk).delete()


def test_notes_are_refused_when_blank_out_of_district_or_read_only(cameras) -> None:  # type: ignore[no-untyped-def]
    alert = alert_ingest(payload=event("CAM-GN")).alert
    url = f"/api/v1/alerts/{alert.pk}/notes/"
    gn = client_for(make_user(Role.AGENT, "11680"))
    assert gn.post(url, {"note": "   "}).status_code == 400
    assert gn.post(url, {}).status_code == 400
    assert client_for(make_user(Role.AGENT, "11140")).post(url, {"note": "x"}).status_code == 404
    assert client_for(make_user(Role.AGENT, "11140")).get(url).status_code == 404
    assert client_for(make_user(Role.PLANNER)).post(url, {"note": "x"}).status_code == 403
    assert not AlertHistory.objects.filter(action="note").exists()


def test_feedback_counts_false_positives_against_confirmed_per_camera_and_type(cameras) -> None:  # type: ignore[no-untyped-def]
    sup = make_user(Role.SUPERVISOR)

    def alert(camera: str, type: str, at_s: float) -> Alert:
        return alert_ingest(payload=event(camera, type=type, at_s=at_s)).alert

    gn_fights = [alert("CAM-GN", "fight", 1000 * i) for i in range(5)]
    for a in gn_fights[:3]:
        alert_false_positive(alert=a, actor=sup, reason="people hugging")
    alert_acknowledge(alert=gn_fights[3], actor=sup)
    alert_resolve(alert=gn_fights[3], actor=sup, note="separated")
    jg_fall = alert("CAM-JG", "fall", 0)
    alert_dispatch(alert=jg_fall, actor=sup)
    alert("CAM-GN", "intrusion", 0)  # not judged yet

    r = client_for(sup).get("/api/v1/alerts/feedback/")
    assert r.status_code == 200, r.content
    rows = [
        (
            x["camera_code"],
            x["type"],
            x["total"],
            x["false_positive"],
            x["confirmed"],
            x["open"],
            x["false_positive_rate"],
        )
        for x in r.json()["results"]
    ]
    assert rows == [
        ("CAM-GN", "fight", 5, 3, 1, 1, 0.75),
        ("CAM-JG", "fall", 1, 0, 1, 0, 0.0),
        ("CAM-GN", "intrusion", 1, 0, 0, 1, None),
    ]
    planner = client_for(make_user(Role.PLANNER))
    judged = planner.get("/api/v1/alerts/feedback/?min_judged=2").json()["results"]
    assert [(x["camera_code"], x["type"]) for x in judged] == [("CAM-GN", "fight")]
    falls = client_for(make_user(Role.ADMIN)).get("/api/v1/alerts/feedback/?type=fall")
    assert [x["camera_code"] for x in falls.json()["results"]] == ["CAM-JG"]
    assert client_for(sup).get("/api/v1/alerts/feedback/?min_judged=-1").status_code == 400


def test_feedback_is_not_for_agents(cameras) -> None:  # type: ignore[no-untyped-def]
    agent = client_for(make_user(Role.AGENT, "11680"))
    assert agent.get("/api/v1/alerts/feedback/").status_code == 403
