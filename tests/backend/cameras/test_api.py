"""Registry API per role, filters and bad input."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.cameras.models import Camera
from tests.factories import CITY_HALL, COEX, SINCHON, make_camera, make_user

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def cameras():
    return {
        "hall": make_camera(*CITY_HALL, code="JG-1"),
        "coex": make_camera(*COEX, code="GN-1", kind="upgraded_ai", has_ai=True),
        "sinchon": make_camera(*SINCHON, code="SD-1", status="offline"),
    }


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    assert response.json()["type"] == "FeatureCollection"
    return {f["properties"]["code"] for f in response.json()["features"]}


def test_anonymous_is_refused(cameras):
    assert APIClient().get("/api/v1/cameras/").status_code in {401, 403}


def test_agent_sees_only_own_districts(cameras):
    agent = make_user(Role.AGENT, "11140")  # 중구
    client = client_for(agent)
    assert codes(client.get("/api/v1/cameras/")) == {"JG-1"}
    assert client.get(f"/api/v1/cameras/{cameras['coex'].pk}/").status_code == 404
    districts = client.get("/api/v1/districts/").json()
    assert [d["code"] for d in districts] == ["11140"]
    assert districts[0]["camera_count"] == 1


def test_agent_without_districts_sees_nothing(cameras):
    assert codes(client_for(make_user(Role.AGENT)).get("/api/v1/cameras/")) == set()


def test_planner_reads_everything_but_cannot_write(cameras):
    client = client_for(make_user(Role.PLANNER))
    assert codes(client.get("/api/v1/cameras/")) == {"JG-1", "GN-1", "SD-1"}
    response = client.patch(
        f"/api/v1/cameras/{cameras['hall'].pk}/", {"heading_deg": 10}, format="json"
    )
    assert response.status_code == 403
    assert (
        client.post("/api/v1/cameras/", {"code": "X", "lon": 127, "lat": 37.5}).status_code == 403
    )
    assert client.delete(f"/api/v1/cameras/{cameras['hall'].pk}/").status_code == 403


def test_admin_creates_edits_moves_and_deletes(cameras):
    client = client_for(make_user(Role.ADMIN))
    created = client.post(
        "/api/v1/cameras/",
        {"code": "NEW-1", "lon": COEX[0], "lat": COEX[1], "heading_deg": 90, "has_ai": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["properties"]["district"] == "11680"
    moved = client.patch(
        f"/api/v1/cameras/{pk}/", {"lon": CITY_HALL[0], "lat": CITY_HALL[1]}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["properties"]["district"] == "11140"
    bad = client.patch(
        f"/api/v1/cameras/{pk}/", {"fov_deg": 720, "stream_url": "ftp://x/y"}, format="json"
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]) == {"fov_deg", "stream_url"}
    assert client.delete(f"/api/v1/cameras/{pk}/").status_code == 204
    assert not Camera.objects.filter(pk=pk).exists()


def test_admin_cannot_create_outside_seoul_or_duplicate(cameras):
    client = client_for(make_user(Role.ADMIN))
    busan = client.post(
        "/api/v1/cameras/", {"code": "B-1", "lon": 129.07, "lat": 35.18}, format="json"
    )
    assert busan.status_code == 400 and "outside Seoul" in str(busan.json())
    dup = client.post(
        "/api/v1/cameras/", {"code": "JG-1", "lon": COEX[0], "lat": COEX[1]}, format="json"
    )
    assert dup.status_code == 400 and dup.json()["error"]["code"] == "duplicate_code"


def test_bbox_returns_exactly_the_cameras_inside():
    # A 3×3 lattice 0.01° apart around City Hall; the bbox covers the centre and its east column.
    x0, y0 = CITY_HALL
    for i in range(3):
        for j in range(3):
            make_camera(x0 + (i - 1) * 0.01, y0 + (j - 1) * 0.01, code=f"L{i}{j}")
    client = client_for(make_user(Role.PLANNER))
    bbox = f"{x0 - 0.005},{y0 - 0.015},{x0 + 0.015},{y0 + 0.005}"
    # Hand-computed: i ∈ {1, 2} (x0, x0+0.01) and j ∈ {0, 1} (y0-0.01, y0) → 4 cameras.
    assert codes(client.get(f"/api/v1/cameras/?bbox={bbox}")) == {"L10", "L11", "L20", "L21"}


def test_filters(cameras):
    client = client_for(make_user(Role.PLANNER))
    assert codes(client.get("/api/v1/cameras/?status=offline")) == {"SD-1"}
    assert codes(client.get("/api/v1/cameras/?ai=true")) == {"GN-1"}
    assert codes(client.get("/api/v1/cameras/?kind=legacy&district=11140")) == {"JG-1"}
    assert codes(client.get("/api/v1/cameras/?district=강남구")) == {"GN-1"}
    assert codes(client.get("/api/v1/cameras/?q=sd-")) == {"SD-1"}


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=127,37.6,126,37.5",
        "bbox=120,30,130,40",
        "status=exploded",
        "ai=maybe",
    ],
)
def test_bad_queries_are_400(cameras, query):
    response = client_for(make_user(Role.PLANNER)).get(f"/api/v1/cameras/?{query}")
    assert response.status_code == 400 and response.json()["error"]["message"]


def test_import_endpoint_reports_rows_and_leaves_registry_unchanged(cameras):
    client = client_for(make_user(Role.ADMIN))
    before = Camera.objects.count()
    body = (
        f"code,lon,lat\nIMP-1,{CITY_HALL[0]},{CITY_HALL[1]}\nIMP-2,{CITY_HALL[1]},{CITY_HALL[0]}\n"
    ).encode()
    response = client.post(
        "/api/v1/cameras/import/", {"file": io.BytesIO(body)}, format="multipart"
    )
    assert response.status_code == 400
    report = response.json()
    assert report["errors"] == [{"row": 3, "field": "lon", "reason": report["errors"][0]["reason"]}]
    assert "swapped" in report["errors"][0]["reason"]
    assert Camera.objects.count() == before
    ok = client.post(
        "/api/v1/cameras/import/",
        {"file": io.BytesIO(body), "skip_invalid": "true"},
        format="multipart",
    )
    assert ok.status_code == 200 and ok.json()["created"] == 1


def test_planner_cannot_import(cameras):
    client = client_for(make_user(Role.PLANNER))
    body = io.BytesIO(f"code,lon,lat\nP-1,{CITY_HALL[0]},{CITY_HALL[1]}\n".encode())
    assert (
        client.post("/api/v1/cameras/import/", {"file": body}, format="multipart").status_code
        == 403
    )


@override_settings(HAECHI_IMPORT_MAX_BYTES=1024)
def test_oversized_upload_is_refused_before_parsing(cameras):
    client = client_for(make_user(Role.ADMIN))
    big = io.BytesIO(b"code,lon,lat\n" + b"X-1,126.97,37.56\n" * 500)
    response = client.post("/api/v1/cameras/import/", {"file": big}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "too_large"


def test_openapi_schema_is_served(cameras):
    client = client_for(make_user(Role.PLANNER))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/cameras/" in response.json()["paths"]


def test_rollout_progress_counts_kinds_stages_and_status(cameras):
    make_camera(
        *COEX, code="GN-2", kind="new_ai", has_ai=True, status="planned", rollout_stage="planned"
    )
    body = client_for(make_user(Role.PLANNER)).get("/api/v1/cameras/rollout/").json()
    assert body["plan"]["upgraded_ai"] == 70_000 and body["plan"]["phase1"] == 4_784
    assert body["kinds"]["legacy"]["total"] == 2
    assert body["kinds"]["new_ai"]["stages"] == {"planned": 1}
    assert body["status"] == {"online": 2, "offline": 1, "planned": 1}
    agent_body = client_for(make_user(Role.AGENT, "11680")).get("/api/v1/cameras/rollout/").json()
    assert sum(k["total"] for k in agent_body["kinds"].values()) == 2
