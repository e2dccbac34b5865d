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
            if match and "--from=" not in line:  # files from a build stage are checked below
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


LONG_RUNNING = ("postgis", "redis", "web", "worker-backend", "beat-backend", "worker-video", "beat")
MEDIA_DIR = "/var/lib/haechi/workers/media"


def _command(service: dict) -> str:
    command = service.get("command") or []
    return command if isinstance(command, str) else " ".join(command)


def test_the_web_image_builds_the_dashboard_and_collects_it():
    dockerfile = (ROOT / "docker/Dockerfile.web").read_text()
    stage = re.search(r"FROM\s+node:\S+\s+AS\s+(\w+)", dockerfile)
    assert stage, "no node build stage"
    assert "npm ci" in dockerfile and "npm run build" in dockerfile
    copied = re.search(rf"COPY --from={stage.group(1)}\s+(\S+)\s+frontend/dist", dockerfile)
    assert copied and copied.group(1).endswith("frontend/dist")
    # the dashboard must be in place before collectstatic gathers it (STATICFILES_DIRS)
    assert dockerfile.index("--from=") < dockerfile.index("collectstatic")
    assert (ROOT / "frontend/package-lock.json").is_file()  # npm ci needs it
    settings = (ROOT / "backend/config/settings/base.py").read_text()
    assert '"frontend" / "dist"' in settings


def test_one_media_volume_is_shared_by_web_and_the_video_hosts_at_the_path_both_read():
    mounts = {}
    for name in ("web", "worker-backend", "worker-video"):
        volumes = [v for v in SERVICES[name].get("volumes", []) if isinstance(v, dict)]
        mounts[name] = {(v["source"], v["target"]) for v in volumes if v.get("type") == "volume"}
    assert mounts["web"] == mounts["worker-video"] == {("media", MEDIA_DIR)}
    assert "media" in COMPOSE["volumes"]
    # backend reads HAECHI_WORKER_MEDIA_DIR; workers write to $HAECHI_VAR/workers/media
    assert SERVICES["web"]["environment"]["HAECHI_WORKER_MEDIA_DIR"] == MEDIA_DIR
    assert SERVICES["worker-video"]["environment"]["HAECHI_VAR"] + "/workers/media" == MEDIA_DIR
    env = (ROOT / "backend/config/env.py").read_text()
    assert "HAECHI_WORKER_MEDIA_DIR" in env
    workers_settings = (ROOT / "workers/settings.py").read_text()
    assert '"HAECHI_VAR"' in workers_settings and '"workers" / "media"' in workers_settings
    for dockerfile in ("Dockerfile.web", "Dockerfile.worker"):  # the same uid owns the volume
        text = (ROOT / "docker" / dockerfile).read_text()
        assert "--uid 10001" in text and f"mkdir -p {MEDIA_DIR}" in text


def test_long_running_services_restart_and_report_health():
    for name in LONG_RUNNING:
        assert SERVICES[name].get("restart") == "unless-stopped", name
        assert SERVICES[name].get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
    assert SERVICES["migrate"].get("restart") == "no"
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    for name, app in (
        ("worker-backend", "backend.config.celery"),
        ("worker-video", "workers.celery_app"),
    ):
        check = " ".join(SERVICES[name]["healthcheck"]["test"])
        assert f"celery -A {app} inspect ping -d" in check, name
        node = re.search(r"-d (\S+)", check).group(1)
        assert node.split("@")[0] in _command(SERVICES[name]), f"{name}: pings another node"


def test_the_video_hosts_watch_cameras_continuously_and_scale_with_replicas():
    video = SERVICES["worker-video"]
    assert "python -m workers host --capacity 20 --name video-$$HOSTNAME" in _command(video)
    assert video["deploy"]["replicas"] >= 1
    assert (ROOT / "workers/__main__.py").is_file()
    backend = _command(SERVICES["worker-backend"])
    assert "-Q ingest,analytics,default" in backend
    assert "celery -A workers.celery_app beat" in _command(SERVICES["beat"])
    assert "manage.py migrate" in _command(SERVICES["migrate"])


def test_dockerignore_keeps_the_build_context_small():
    entries = set((ROOT / ".dockerignore").read_text().split())
    for needed in (".venv", ".var", "frontend/dist", "test-artifacts", ".git"):
        assert needed in entries, needed
    assert {"node_modules", "**/node_modules"} & entries
    assert {"__pycache__", "**/__pycache__"} & entries
