"""Vector tiles: decoded features, ids and properties; bad addresses; agent scope; caching."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.alerts.services import alert_ingest
from backend.cameras.models import Camera
from backend.cameras.services.cameras import camera_update
from tests.backend.alerts.events import event
from tests.factories import CITY_HALL, COEX, make_camera, make_user

pytestmark = pytest.mark.django_db


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Slippy-map tile holding a point (reference formula, independent of PostGIS)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return x, y


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def get_tile(client: APIClient, layer: str, lon: float, lat: float, z: int):  # type: ignore[no-untyped-def]
    x, y = tile_xy(lon, lat, z)
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf")


def decode(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    hall = make_camera(
        *CITY_HALL, code="JG-1", kind="upgraded_ai", has_ai=True, heading_deg=90.4, fov_deg=60.0
    )
    hall2 = make_camera(CITY_HALL[0] + 0.001, CITY_HALL[1], code="JG-2", status="offline")
    coex = make_camera(*COEX, code="GN-1", range_m=45.0)
    return {
        "hall": hall,
        "hall2": hall2,
        "coex": coex,
        "admin": make_user(Role.ADMIN),
        "agent": make_user(Role.AGENT, "11140"),  # 중구 only
    }


def test_close_up_points_carry_pk_and_every_attribute(world) -> None:  # type: ignore[no-untyped-def]
    tile = decode(get_tile(client_for(world["admin"]), "cameras", *CITY_HALL, 16))
    features = {f["id"]: f for f in tile["cameras"]["features"]}
    assert set(features) == {world["hall"].pk, world["hall2"].pk}
    props = features[world["hall"].pk]["properties"]
    assert props["code"] == "JG-1"
    assert props["status"] == "online"
    assert props["kind"] == "upgraded_ai"
    assert props["has_ai"] is True
    assert props["heading_deg"] == 90  # 90.4 rounded to whole degrees
    assert props["fov_deg"] == 60
    assert props["range_m"] == 30
    assert features[world["hall2"].pk]["properties"]["status"] == "offline"
    assert "heading_deg" not in features[world["hall2"].pk]["properties"]  # unknown → absent
    assert features[world["hall"].pk]["geometry"]["type"] == "Point"


def test_mid_zoom_points_carry_only_what_the_style_draws(world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world["admin"])
    for z in (12, 15):
        tile = decode(get_tile(client, "cameras", *CITY_HALL, z))
        features = {f["id"]: f["properties"] for f in tile["cameras"]["features"]}
        assert world["hall"].pk in features and world["hall2"].pk in features, z
        assert features[world["hall"].pk] == {"status": "online", "has_ai": True}, z
        assert features[world["hall2"].pk] == {"status": "offline", "has_ai": False}, z


def test_point_lands_where_the_camera_is(world) -> None:  # type: ignore[no-untyped-def]
    z = 16
    x, y = tile_xy(*COEX, z)
    tile = decode(client_for(world["admin"]).get(f"/tiles/cameras/{z}/{x}/{y}.pbf"))
    (feature,) = tile["cameras"]["features"]
    px, py = feature["geometry"]["coordinates"]
    n = 2**z
    # expected tile-pixel position (extent 4096, y up as decoded by mapbox_vector_tile)
    fx = ((COEX[0] + 180.0) / 360.0 * n - x) * 4096
    lat_r = math.radians(COEX[1])
    fy = (1.0 - ((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n - y)) * 4096
    assert abs(px - fx) <= 1.0 and abs(py - fy) <= 1.0


def test_low_zoom_serves_density_cells_with_counts(world) -> None:  # type: ignore[no-untyped-def]
    tile = decode(get_tile(client_for(world["admin"]), "cameras", *CITY_HALL, 10))
    features = tile["cameras"]["features"]
    assert all(f["geometry"]["type"] == "Point" for f in features)
    assert sum(f["properties"]["count"] for f in features) == 3  # all three in this z10 tile
    assert sum(f["properties"]["ai_count"] for f in features) == 1
    assert sum(f["properties"]["offline_count"] for f in features) == 1
    # the two city-hall cameras are ~90 m apart: one density cell at z10 (~30 m … 600 m cells)
    assert max(f["properties"]["count"] for f in features) == 2


def test_density_follows_registry_changes(world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world["admin"])
    world["coex"].delete()
    tile = decode(get_tile(client, "cameras", *CITY_HALL, 9))
    assert sum(f["properties"]["count"] for f in tile["cameras"]["features"]) == 2
    Camera.objects.filter(pk=world["hall"].pk).update(has_ai=False)
    tile = decode(get_tile(client, "cameras", *CITY_HALL, 9))
    assert sum(f["properties"]["ai_count"] for f in tile["cameras"]["features"]) == 0


def test_districts_layer_has_names_and_counts(world) -> None:  # type: ignore[no-untyped-def]
    tile = decode(get_tile(client_for(world["admin"]), "districts", *CITY_HALL, 11))
    by_code = {f["properties"]["code"]: f for f in tile["districts"]["features"]}
    jung = by_code["11140"]
    assert jung["properties"]["name_ko"] == "중구"
    assert jung["properties"]["name_en"]
    assert jung["properties"]["cameras"] == 2
    assert jung["properties"]["offline_cameras"] == 1
    assert jung["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert isinstance(jung["id"], int)


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/cameras/23/0/0.pbf",
        "/tiles/cameras/3/8/0.pbf",
        "/tiles/cameras/3/0/8.pbf",
        "/tiles/cameras/3/-1/0.pbf",
        "/tiles/cameras/-1/0/0.pbf",
        "/tiles/cameras/99999999/0/0.pbf",
        "/tiles/cameras/12/999999999999/0.pbf",
        "/tiles/nosuchlayer/1/0/0.pbf",
    ],
)
def test_bad_tile_addresses_are_clean_400(world, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world["admin"]).get(path)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"bad_tile", "bad_layer"}


def test_anonymous_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    assert APIClient().get("/tiles/cameras/10/0/0.pbf").status_code in {401, 403}
    assert APIClient().get("/tiles/").status_code in {401, 403}


def test_agent_sees_only_their_districts(world) -> None:  # type: ignore[no-untyped-def]
    agent = client_for(world["agent"])
    hall = decode(get_tile(agent, "cameras", *CITY_HALL, 15))
    assert {f["id"] for f in hall["cameras"]["features"]} == {
        world["hall"].pk,
        world["hall2"].pk,
    }
    coex = get_tile(agent, "cameras", *COEX, 15)
    assert coex.status_code == 200
    assert coex.content == b""  # GN-1 lies in 강남구, outside the agent's scope
    low = decode(get_tile(agent, "cameras", *CITY_HALL, 10))
    assert sum(f["properties"]["count"] for f in low["cameras"]["features"]) == 2
    districts = decode(get_tile(agent, "districts", *CITY_HALL, 10))
    assert {f["properties"]["code"] for f in districts["districts"]["features"]} == {"11140"}
    # an admin asking for the same tile is not served the agent's cached copy
    admin = decode(get_tile(client_for(world["admin"]), "cameras", *CITY_HALL, 10))
    assert sum(f["properties"]["count"] for f in admin["cameras"]["features"]) == 3


def test_agent_without_districts_sees_no_camera(world) -> None:  # type: ignore[no-untyped-def]
    lonely = client_for(make_user(Role.AGENT))
    assert get_tile(lonely, "cameras", *CITY_HALL, 15).content == b""


def test_cache_hit_then_invalidated_by_camera_change(world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world["admin"])
    first = get_tile(client, "cameras", *CITY_HALL, 15)
    assert first["X-Tile-Cache"] == "miss"
    assert first["Cache-Control"].startswith("private, max-age=")
    second = get_tile(client, "cameras", *CITY_HALL, 15)
    assert second["X-Tile-Cache"] == "hit"
    assert second.content == first.content
    x, y = tile_xy(*CITY_HALL, 15)
    not_modified = client.get(f"/tiles/cameras/15/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304

    camera_update(camera=world["hall"], data={"status": "maintenance"})
    third = get_tile(client, "cameras", *CITY_HALL, 15)
    assert third["X-Tile-Cache"] == "miss"
    assert third["ETag"] != first["ETag"]
    features = {f["id"]: f for f in decode(third)["cameras"]["features"]}
    assert features[world["hall"].pk]["properties"]["status"] == "maintenance"


def test_alerts_layer_shows_open_alerts_in_scope(world) -> None:  # type: ignore[no-untyped-def]
    alert_ingest(payload=event("JG-1"))
    alert_ingest(payload=event("GN-1"))
    tile = decode(get_tile(client_for(world["agent"]), "alerts", *CITY_HALL, 14))
    (feature,) = tile["alerts"]["features"]
    assert feature["properties"]["camera_id"] == world["hall"].pk
    assert feature["properties"]["type"] == "fight"
    assert feature["properties"]["status"] == "new"
    assert get_tile(client_for(world["agent"]), "alerts", *COEX, 14).content == b""


def test_layer_index_lists_every_layer(world) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world["agent"]).get("/tiles/").json()
    names = {la["name"] for la in body["layers"]}
    assert {"cameras", "districts", "coverage", "blindspots", "hotspots", "alerts"} <= names
    assert all(la["url"].endswith("/{z}/{x}/{y}.pbf") for la in body["layers"])
