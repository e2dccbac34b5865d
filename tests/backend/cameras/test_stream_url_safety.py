"""Stream URLs: only network camera schemes on public hosts (unless allowed); credentials masked."""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.cameras.models import Camera
from backend.cameras.validation import FieldError, stream_url_masked, validate_stream_url
from tests.factories import COEX, make_camera, make_user

pytestmark = pytest.mark.django_db


def client_for(role: Role) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://127.0.0.1:8554/x", "http://localhost/cam.mjpg", "rtsp://10.0.0.7/live",
        "rtsp://192.168.1.20/live", "http://169.254.169.254/latest/meta-data/",
        "rtsp://[::1]/x", "rtsp://2130706433/x", "rtsp://0x7f.1/x", "http://[::ffff:10.0.0.1]/",
        "file:///etc/passwd", "ftp://cam.example.com/x", "gopher://cam.example.com/",
    ],
)  # fmt: skip
def test_private_and_odd_urls_are_refused_when_not_allowed(url):
    with pytest.raises(FieldError) as err:
        validate_stream_url(url, allow_private=False)
    assert err.value.field == "stream_url"


@pytest.mark.parametrize(
    "url",
    ["rtsp://cam.example.com:554/live", "rtsps://user:pw@211.234.10.5/s", "https://8.8.8.8/a"],
)
def test_public_camera_urls_pass(url):
    assert validate_stream_url(url, allow_private=False) == url


def test_private_urls_pass_when_allowed():
    assert validate_stream_url("rtsp://127.0.0.1:8654/x", allow_private=True)
    assert validate_stream_url("file:///tmp/clip.mp4", allow_private=True)


def test_api_refuses_private_streams_with_a_clear_400(settings):
    settings.HAECHI_ALLOW_PRIVATE_STREAMS = False
    client = client_for(Role.ADMIN)
    response = client.post(
        "/api/v1/cameras/",
        {"code": "P-1", "lon": COEX[0], "lat": COEX[1], "stream_url": "rtsp://127.0.0.1/x"},
        format="json",
    )
    assert response.status_code == 400
    assert "stream_url" in response.json()["error"]["details"]
    assert "loopback" in str(response.json()["error"]["details"]["stream_url"])
    assert not Camera.objects.filter(code="P-1").exists()
    camera = make_camera(*COEX, code="P-2")
    edit = client.patch(
        f"/api/v1/cameras/{camera.pk}/", {"stream_url": "file:///etc/passwd"}, format="json"
    )
    assert edit.status_code == 400 and "stream_url" in edit.json()["error"]["details"]
    upload = io.BytesIO(
        f"code,lon,lat,stream_url\nP-3,{COEX[0]},{COEX[1]},rtsp://10.1.2.3/x\n".encode()
    )
    upload.name = "cams.csv"
    imported = client.post("/api/v1/cameras/import/", {"file": upload}, format="multipart")
    assert imported.status_code == 400
    assert imported.json()["errors"][0]["field"] == "stream_url"
    assert not Camera.objects.filter(code="P-3").exists()


def test_credentials_are_shown_to_admins_only():
    camera = make_camera(
        *COEX, code="C-1", stream_url="rtsp://user:s3cret@cam.example.com:554/live"
    )
    admin = client_for(Role.ADMIN).get(f"/api/v1/cameras/{camera.pk}/").json()
    assert admin["properties"]["stream_url"] == "rtsp://user:s3cret@cam.example.com:554/live"
    for role in (Role.PLANNER, Role.SUPERVISOR):
        client = client_for(role)
        shown = client.get(f"/api/v1/cameras/{camera.pk}/").json()["properties"]["stream_url"]
        assert shown == "rtsp://***@cam.example.com:554/live"
        listed = client.get("/api/v1/cameras/").json()["features"][0]["properties"]
        assert "s3cret" not in listed["stream_url"]


def test_masking_leaves_plain_urls_alone():
    assert stream_url_masked("rtsp://cam/x") == "rtsp://cam/x"
    assert stream_url_masked("") == ""
    assert stream_url_masked("rtsp://a:b@c@cam/x") == "rtsp://***@cam/x"
