"""The video hosts' camera set follows the registry after commit, and the reconcile repairs it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.cameras.models import Camera
from backend.cameras.services.video_sync import cameras_video_reconcile, cameras_video_sync
from tests.factories import CITY_HALL, COEX, make_camera, make_user
from workers.contracts import VIDEO_CAMERAS_KEY, CameraSpec

pytestmark = pytest.mark.django_db
URL = "rtsp://127.0.0.1:8654/cam"


def admin_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(Role.ADMIN))
    return client


def spec(redis_client, code: str) -> CameraSpec | None:
    raw = redis_client.hget(VIDEO_CAMERAS_KEY, code)
    return None if raw is None else CameraSpec.model_validate_json(raw)


def test_created_camera_reaches_the_hosts_after_commit(
    video_redis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client().post(
            "/api/v1/cameras/",
            {"code": "LIVE-1", "lon": COEX[0], "lat": COEX[1], "has_ai": True, "stream_url": URL},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert video_redis.hget(VIDEO_CAMERAS_KEY, "LIVE-1") is None  # not before commit
    got = spec(video_redis, "LIVE-1")
    assert got is not None
    assert (got.code, got.url, got.district, got.scene) == ("LIVE-1", URL, "Gangnam-gu", {})


def test_rolled_back_create_writes_nothing(video_redis, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_camera(*COEX, code="GONE-1", has_ai=True, stream_url=URL)
        raise RuntimeError("rollback")
    assert callbacks == []
    assert video_redis.hlen(VIDEO_CAMERAS_KEY) == 0


def test_non_analysable_cameras_are_not_sent(video_redis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_camera(*COEX, code="NO-AI", has_ai=False, stream_url=URL)
        make_camera(*COEX, code="NO-URL", has_ai=True)
        make_camera(*COEX, code="MAINT", has_ai=True, stream_url=URL, status="maintenance")
    assert video_redis.hkeys(VIDEO_CAMERAS_KEY) == []


def test_edits_update_or_remove_the_spec(video_redis, django_capture_on_commit_callbacks):
    client = admin_client()
    with django_capture_on_commit_callbacks(execute=True):
        camera = make_camera(*COEX, code="EDIT-1", has_ai=True, stream_url=URL)
    path = f"/api/v1/cameras/{camera.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch(path, {"stream_url": URL + "2"}, format="json").status_code == 200
    assert spec(video_redis, "EDIT-1").url == URL + "2"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch(path, {"status": "maintenance"}, format="json").status_code == 200
    assert spec(video_redis, "EDIT-1") is None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch(path, {"status": "online"}, format="json").status_code == 200
    assert spec(video_redis, "EDIT-1") is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch(path, {"has_ai": False}, format="json").status_code == 200
    assert spec(video_redis, "EDIT-1") is None
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(path, {"has_ai": True}, format="json")
    assert spec(video_redis, "EDIT-1") is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(path).status_code == 204
    assert spec(video_redis, "EDIT-1") is None


def test_offline_cameras_stay_watched_so_a_host_can_see_them_return(
    video_redis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_camera(*COEX, code="OFF-1", has_ai=True, stream_url=URL, status="offline")
    assert spec(video_redis, "OFF-1") is not None


def test_import_writes_specs(video_redis, django_capture_on_commit_callbacks):
    csv = (
        "code,lon,lat,ai,stream_url\n"
        f"IMP-1,{COEX[0]},{COEX[1]},yes,{URL}/1\n"
        f"IMP-2,{CITY_HALL[0]},{CITY_HALL[1]},no,{URL}/2\n"
    )
    upload = io.BytesIO(csv.encode())
    upload.name = "cams.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client().post(
            "/api/v1/cameras/import/", {"file": upload}, format="multipart"
        )
    assert response.status_code == 200, response.content
    assert spec(video_redis, "IMP-1").url == f"{URL}/1"
    assert spec(video_redis, "IMP-2") is None


def test_redis_outage_does_not_fail_the_request(
    video_redis, django_capture_on_commit_callbacks, settings, caplog
):
    video_url = settings.HAECHI_VIDEO_REDIS_URL
    settings.HAECHI_VIDEO_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client().post(
            "/api/v1/cameras/",
            {"code": "DOWN-1", "lon": COEX[0], "lat": COEX[1], "has_ai": True, "stream_url": URL},
            format="json",
        )
    assert response.status_code == 201
    assert Camera.objects.filter(code="DOWN-1").exists()
    assert "reconcile will repair" in caplog.text
    settings.HAECHI_VIDEO_REDIS_URL = video_url  # Redis is back: the reconcile repairs it
    assert cameras_video_reconcile().written == 1
    assert spec(video_redis, "DOWN-1") is not None


def test_reconcile_repairs_a_flushed_hash_and_removes_extras(video_redis):
    make_camera(*COEX, code="R-1", has_ai=True, stream_url=URL)  # on_commit never runs here
    make_camera(*COEX, code="R-2", has_ai=True, stream_url=URL + "2")
    make_camera(*COEX, code="R-3", has_ai=False, stream_url=URL)
    video_redis.hset(VIDEO_CAMERAS_KEY, "GHOST", json.dumps({"code": "GHOST", "url": URL}))
    video_redis.hset(VIDEO_CAMERAS_KEY, "R-2", "stale")
    result = cameras_video_reconcile()
    assert (result.desired, result.written, result.removed) == (2, 2, 1)
    assert sorted(video_redis.hkeys(VIDEO_CAMERAS_KEY)) == ["R-1", "R-2"]
    assert spec(video_redis, "R-2").url == URL + "2"
    again = cameras_video_reconcile()  # nothing changed: reads only
    assert (again.written, again.removed) == (0, 0)
    out = io.StringIO()
    video_redis.flushdb()
    call_command("video_reconcile", stdout=out)
    assert "2 analysable cameras: 2 written, 0 removed" in out.getvalue()
    assert sorted(video_redis.hkeys(VIDEO_CAMERAS_KEY)) == ["R-1", "R-2"]


def test_sync_by_codes_removes_deleted_codes(video_redis):
    video_redis.hset(VIDEO_CAMERAS_KEY, "OLD", "{}")
    result = cameras_video_sync(codes=["OLD"])
    assert (result.written, result.removed) == (0, 1)
