"""Dead letters are visible to admins only: REST (paginated, with reason and payload) and the
read-only Django admin."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.accounts.roles import Role
from backend.alerts.models import DeadLetter
from backend.alerts.services import alert_ingest, alerts_ingest_bulk
from tests.backend.alerts.events import event
from tests.backend.alerts.test_api import client_for
from tests.factories import COEX, make_camera, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/dead-letters/"


@pytest.fixture
def letters() -> list[dict]:
    make_camera(*COEX, code="CAM-GN")
    bad = [
        {**event("CAM-GN"), "v": 7},  # unknown version
        event("CAM-NOWHERE"),  # unknown camera
        {**event("CAM-GN"), "score": 3.5},  # malformed
    ]
    for payload in bad:
        assert alert_ingest(payload=payload).dead_letter is not None
    alerts_ingest_bulk(payloads=["not an object", event("CAM-GN")])  # one more, one good
    return bad


def test_admin_lists_dead_letters_newest_first_with_reason_and_payload(letters) -> None:  # type: ignore[no-untyped-def]
    admin = client_for(make_user(Role.ADMIN))
    r = admin.get(URL)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 4
    rows = body["results"]
    assert [x["reason"] for x in rows] == [
        "malformed",
        "malformed",
        "unknown_camera",
        "unknown_version",
    ]
    assert rows[0]["payload"] == "not an object"
    assert rows[3]["payload"]["event_id"] == letters[0]["event_id"]
    assert "unknown contract version 7" in rows[3]["detail"]
    assert rows[2]["payload"]["camera"] == "CAM-NOWHERE"

    page = admin.get(URL, {"limit": 2, "offset": 2}).json()
    assert [x["id"] for x in page["results"]] == [rows[2]["id"], rows[3]["id"]]
    only = admin.get(URL, {"reason": "unknown_camera"}).json()["results"]
    assert [x["payload"]["camera"] for x in only] == ["CAM-NOWHERE"]
    assert admin.get(URL, {"reason": "bogus"}).status_code == 400


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.PLANNER])
def test_other_roles_cannot_read_dead_letters(letters, role) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role, "11680") if role == Role.AGENT else make_user(role)
    assert client_for(user).get(URL).status_code == 403


def test_anonymous_cannot_read_dead_letters(letters) -> None:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code in (401, 403)


def test_django_admin_shows_dead_letters_read_only_to_admins(letters) -> None:  # type: ignore[no-untyped-def]
    letter = DeadLetter.objects.filter(reason="unknown_camera").get()
    admin = Client()
    admin.force_login(make_user(Role.ADMIN))
    listing = admin.get("/admin/alerts/deadletter/")
    assert listing.status_code == 200
    assert b"unknown_camera" in listing.content
    detail = admin.get(f"/admin/alerts/deadletter/{letter.pk}/change/")
    assert detail.status_code == 200 and b"CAM-NOWHERE" in detail.content
    assert b'name="_save"' not in detail.content  # nothing to save: read-only
    assert admin.get("/admin/alerts/deadletter/add/").status_code == 403
    assert admin.post(f"/admin/alerts/deadletter/{letter.pk}/delete/").status_code == 403
    assert DeadLetter.objects.filter(pk=letter.pk).exists()

    staff_supervisor = make_user(Role.SUPERVISOR)
    staff_supervisor.is_staff = True
    staff_supervisor.save()
    other = Client()
    other.force_login(staff_supervisor)
    assert other.get("/admin/alerts/deadletter/").status_code == 403
