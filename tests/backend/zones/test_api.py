"""Zones and behaviour rules: admin-only, validated by the worker plugins, sent to the hosts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.audit.models import AuditEntry
from backend.zones.models import BehaviourRule, Zone
from tests.factories import COEX, make_camera, make_user
from workers.contracts import VIDEO_CAMERAS_KEY, CameraSpec

pytestmark = pytest.mark.django_db
DOOR = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.6], [0.1, 0.6]]


def client_for(role: Role) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


@pytest.fixture
def camera():
    return make_camera(*COEX, code="Z-1", has_ai=True, stream_url="rtsp://127.0.0.1:8654/z1")


def test_zone_and_rule_reach_the_camera_spec(
    camera, video_redis, django_capture_on_commit_callbacks
):
    admin = client_for(Role.ADMIN)
    base = f"/api/v1/cameras/{camera.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        zone = admin.post(f"{base}/zones/", {"name": "door", "polygon": DOOR}, format="json")
        assert zone.status_code == 201, zone.content
        rule = admin.post(
            f"{base}/rules/",
            {"behaviour": "loitering", "settings": {"dwell_s": 30}, "zones": ["door"],
             "schedule": {"from_hour": 22, "to_hour": 6, "days": [4, 5]}},
            format="json",
        )  # fmt: skip
        assert rule.status_code == 201, rule.content
    assert rule.json()["zones"] == ["door"]
    assert rule.json()["schedule"]["from_hour"] == 22  # a window wrapping midnight is fine
    spec = CameraSpec.model_validate_json(video_redis.hget(VIDEO_CAMERAS_KEY, "Z-1"))
    assert spec.scene == {
        "zones": [{"name": "door", "polygon": DOOR, "normalized": True}],
        "rules": {
            "loitering": {
                "dwell_s": 30, "enabled": True, "zones": ["door"],
                "schedule": {"from_hour": 22, "to_hour": 6, "days": [4, 5]},
            }
        },
    }  # fmt: skip
    assert {e.action for e in AuditEntry.objects.all()} >= {"zone.created", "rule.created"}

    rule_id = rule.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        edited = admin.patch(
            f"{base}/rules/{rule_id}/", {"enabled": False, "schedule": None}, format="json"
        )
        assert edited.status_code == 200, edited.content
    spec = CameraSpec.model_validate_json(video_redis.hget(VIDEO_CAMERAS_KEY, "Z-1"))
    assert spec.scene["rules"]["loitering"] == {"dwell_s": 30, "enabled": False, "zones": ["door"]}

    with django_capture_on_commit_callbacks(execute=True):
        assert admin.delete(f"{base}/zones/{zone.json()['id']}/").status_code == 204
    spec = CameraSpec.model_validate_json(video_redis.hget(VIDEO_CAMERAS_KEY, "Z-1"))
    assert spec.scene["zones"] == []
    assert spec.scene["rules"]["loitering"]["zones"] == []  # kept, inactive without zones
    assert "zone.deleted" in set(AuditEntry.objects.values_list("action", flat=True))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"behaviour": "loitering", "settings": {"dwell_s": -1}}, "settings"),
        ({"behaviour": "loitering", "settings": {"no_such_knob": 1}}, "settings"),
        ({"behaviour": "loitering", "settings": {"zones": ["door"]}}, "settings"),
        ({"behaviour": "fight", "schedule": {"from_hour": 25}}, "schedule"),
        ({"behaviour": "fight", "schedule": {"timezone": "Mars/Base"}}, "schedule"),
        ({"behaviour": "teleport"}, "behaviour"),
        ({"behaviour": "intrusion", "zones": ["nowhere"]}, "zones"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_stored(camera, payload, field):
    response = client_for(Role.ADMIN).post(
        f"/api/v1/cameras/{camera.pk}/rules/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert field in body["message"] or field in (body.get("details") or {}), body
    assert not BehaviourRule.objects.exists()


@pytest.mark.parametrize(
    "polygon",
    [[[0.1, 0.1], [0.2, 0.2]], [[0.1, 0.1], [1.5, 0.1], [0.5, 0.5]], "square", [[0, 0]] * 300],
)
def test_bad_polygons_are_refused(camera, polygon):
    response = client_for(Role.ADMIN).post(
        f"/api/v1/cameras/{camera.pk}/zones/", {"name": "z", "polygon": polygon}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "polygon" in response.json()["error"]["message"]
    assert not Zone.objects.exists()


def test_duplicate_zone_name_and_rule_behaviour_are_refused(camera):
    admin = client_for(Role.ADMIN)
    base = f"/api/v1/cameras/{camera.pk}"
    assert (
        admin.post(f"{base}/zones/", {"name": "a", "polygon": DOOR}, format="json").status_code
        == 201
    )
    assert (
        admin.post(f"{base}/zones/", {"name": "a", "polygon": DOOR}, format="json").status_code
        == 400
    )
    assert admin.post(f"{base}/rules/", {"behaviour": "fall"}, format="json").status_code == 201
    assert admin.post(f"{base}/rules/", {"behaviour": "fall"}, format="json").status_code == 400
    assert admin.get(f"{base}/rules/").json()[0]["behaviour"] == "fall"
    assert admin.get(f"{base}/zones/").json()[0]["polygon"] == DOOR


@pytest.mark.parametrize("role", [Role.PLANNER, Role.SUPERVISOR, Role.AGENT])
def test_non_admins_are_refused(camera, role):
    client = client_for(role)
    base = f"/api/v1/cameras/{camera.pk}"
    assert client.get(f"{base}/zones/").status_code == 403
    assert (
        client.post(f"{base}/zones/", {"name": "a", "polygon": DOOR}, format="json").status_code
        == 403
    )
    assert client.post(f"{base}/rules/", {"behaviour": "fall"}, format="json").status_code == 403
    assert not Zone.objects.exists()
