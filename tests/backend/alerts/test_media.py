"""Snapshot and clip downloads: scoped to the user's districts, audited, never outside the media dir."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.alerts.services import alert_ingest
from backend.audit.models import AuditEntry
from backend.config import env
from tests.backend.alerts.events import event
from tests.factories import CITY_HALL, make_camera, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(env, "WORKER_MEDIA_DIR", tmp_path)
    (tmp_path / "cam").mkdir()
    (tmp_path / "cam" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 fake jpeg")
    (tmp_path.parent / "secret.txt").write_text("outside the media dir")
    return tmp_path


def client(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_snapshot_is_served_to_the_district_agent_and_audited(media_dir):
    make_camera(*CITY_HALL, code="CAM-M")
    alert = alert_ingest(
        payload=event("CAM-M", snapshot=str(media_dir / "cam" / "a.jpg"), clip=None)
    ).alert
    agent = make_user(Role.AGENT, "11140")
    response = client(agent).get(f"/api/v1/alerts/{alert.pk}/snapshot/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert (
        AuditEntry.objects.filter(action="alert.snapshot_viewed", object_id=str(alert.pk)).count()
        == 1
    )
    assert client(agent).get(f"/api/v1/alerts/{alert.pk}/clip/").status_code == 404
    other = make_user(Role.AGENT, "11680")
    assert client(other).get(f"/api/v1/alerts/{alert.pk}/snapshot/").status_code == 404


def test_a_reference_outside_the_media_dir_is_never_served(media_dir):
    make_camera(*CITY_HALL, code="CAM-X")
    alert = alert_ingest(payload=event("CAM-X", snapshot="../secret.txt", clip=None)).alert
    response = client(make_user(Role.SUPERVISOR)).get(f"/api/v1/alerts/{alert.pk}/snapshot/")
    assert response.status_code == 404
