"""What can be checked of docker/ without a Docker engine: the compose file and Dockerfiles
refer to files, modules and services that exist, and match what the bootstrap runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker/compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_has_the_whole_system():
    assert {
        "postgis",
        "redis",
        "web",
        "worker-backend",
        "worker-video",
        "beat",
        "beat-backend",
    } <= set(SERVICES)
    assert SERVICES["postgis"]["image"].startswith("postgis/postgis:15-")


def test_dependencies_name_real_services():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"


def test_dockerfiles_copy_only_existing_paths():
    for dockerfile in (ROOT / "docker").glob("Dockerfile.*"):
        for line in dockerfile.read_text().splitlines():
            match = re.match(r"COPY\s+(.+)\s+\S+$", line)
            if match:
                for source in match.group(1).split():
                    assert (ROOT / source).exists(), f"{dockerfile.name}: COPY {source} missing"


def test_builds_and_celery_apps_exist():
    for name, service in SERVICES.items():
        build = service.get("build")
        if build:
            assert (ROOT / "docker" / build["context"] / build["dockerfile"]).is_file(), name
        command = service.get("command") or []
        if "-A" in command:
            module = command[command.index("-A") + 1]
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), f"{name}: {module}"


def test_backend_services_get_database_and_redis_urls():
    for name in ("web", "worker-backend", "beat-backend", "migrate"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith(
            "redis://"
        )
