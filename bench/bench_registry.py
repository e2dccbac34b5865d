"""Seeding and importing the camera registry (issue: foundation, targets < 60 s each)."""

from __future__ import annotations

from bench.__main__ import result
from bench.django_run import run_django_bench


def run() -> list[dict]:
    data = run_django_bench("bench.registry_run", suffix="_bench")
    orm_rate = data["orm_count"] / data["orm_seconds"]
    seed_rate = 160_000 / data["seed_seconds"]
    rows = [
        result("registry.seed_160k_seconds", data["seed_seconds"], "s",
               notes="seed_cameras --count 160000: generate + COPY + upsert; target < 60 s",
               higher_is_better=False),
        result("registry.seed_rate", seed_rate, "cameras/s", baseline="ORM save() per camera",
               baseline_value=orm_rate, notes=f"baseline on {data['orm_count']} cameras, same run"),
    ]  # fmt: skip
    if data["import_seconds"]:
        rows.append(
            result(
                "registry.import_ansimi_seconds",
                data["import_seconds"],
                "s",
                notes=f"real 안심이 file, {data['import_cameras']:,} cameras (83,734 sites); target < 60 s",
                higher_is_better=False,
            )
        )
        rows.append(
            result(
                "registry.import_rate",
                data["import_cameras"] / data["import_seconds"],
                "cameras/s",
                baseline="ORM save() per camera",
                baseline_value=orm_rate,
            )
        )
    return rows
