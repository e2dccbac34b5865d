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


@pytest.fixture
def clip_alert(media_dir):
    data = bytes(range(256)) * 40  # 10,240 bytes standing in for an MP4
    (media_dir / "cam" / "a.mp4").write_bytes(data)
    make_camera(*CITY_HALL, code="CAM-C")
    alert = alert_ingest(
        payload=event("CAM-C", snapshot=None, clip=str(media_dir / "cam" / "a.mp4"))
    ).alert
    return alert, data


def test_clip_is_served_as_mp4_with_byte_ranges_for_the_browser(clip_alert):
    """Chromium fetches video in byte ranges (`Range: bytes=0-`, then seeks): 206 with
    Content-Range, the exact bytes, and one audit entry per view, not per range."""
    alert, data = clip_alert
    c, url = client(make_user(Role.AGENT, "11140")), f"/api/v1/alerts/{alert.pk}/clip/"

    whole = c.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4"
    assert whole["Accept-Ranges"] == "bytes" and b"".join(whole.streaming_content) == data

    first = c.get(url, HTTP_RANGE="bytes=0-")
    assert first.status_code == 206 and first["Content-Type"] == "video/mp4"
    assert first["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
    assert first["Content-Length"] == str(len(data))
    assert b"".join(first.streaming_content) == data

    middle = c.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206 and middle["Content-Range"] == "bytes 1000-1999/10240"
    assert middle["Content-Length"] == "1000"
    assert b"".join(middle.streaming_content) == data[1000:2000]

    tail = c.get(url, HTTP_RANGE="bytes=-100")
    assert tail["Content-Range"] == "bytes 10140-10239/10240"
    assert b"".join(tail.streaming_content) == data[-100:]

    beyond = c.get(url, HTTP_RANGE="bytes=20000-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == "bytes */10240"

    stale = c.get(url, HTTP_RANGE="bytes=100-", HTTP_IF_RANGE="Wed, 01 Jan 2020 00:00:00 GMT")
    assert stale.status_code == 200 and b"".join(stale.streaming_content) == data

    views = AuditEntry.objects.filter(action="alert.clip_viewed", object_id=str(alert.pk))
    assert views.count() == 3  # whole, bytes=0-, the stale If-Range; seeks are not new views


def test_clip_ranges_stay_scoped_to_the_agents_districts(clip_alert):
    alert, _ = clip_alert
    other = client(make_user(Role.AGENT, "11680"))
    response = other.get(f"/api/v1/alerts/{alert.pk}/clip/", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-", (0, 999)),
        ("bytes=0-0", (0, 0)),
        ("bytes=10-5000", (10, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=0-1,5-9", None),
        ("items=0-1", None),
        ("bytes=9-3", None),
        ("bytes=abc", None),
        ("bytes=-", None),
    ],
)
def test_byte_range_parsing(header, expected):
    from backend.alerts.api.views import byte_range

    assert byte_range(header, 1000) == expected
