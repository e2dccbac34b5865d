"""Worker settings: the only place `workers/` reads the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parents[1]


class WorkerSettings(BaseModel):
    """Process-wide settings, read once from the environment (HAECHI_* / REDIS_URL)."""

    broker_url: str = "redis://127.0.0.1:63799/0"
    lease_redis_url: str = "redis://127.0.0.1:63799/0"
    broker_keyprefix: str = Field(
        default="",
        max_length=200,
        description="prefix of every broker key (Redis `global_keyprefix`); must match the "
        "backend's CELERY_BROKER_TRANSPORT_OPTIONS, e.g. a parallel test session's prefix",
    )
    var_dir: Path = ROOT / ".var"
    camera_code: str = "local"
    detect_fps: float = Field(default=5.0, gt=0, le=30, description="frames analysed per second")
    lease_ttl_s: float = Field(default=15.0, gt=1, le=600, description="camera lease time to live")
    host_capacity: int = Field(
        default=0, ge=0, le=10_000, description="cameras this process watches; 0 = not a host"
    )
    host_tick_s: float = Field(default=1.0, gt=0, le=60, description="host control period")
    assign_every_s: float = Field(
        default=2.0, gt=0, le=300, description="fleet-wide assignment rounds at most this often"
    )
    worker_name: str = Field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")

    outbox_dir: Path | None = Field(default=None, description="default: var_dir/workers/outbox")
    worker_media_dir: Path | None = Field(
        default=None, description="default: var_dir/workers/media (the backend serves it)"
    )

    @property
    def buffer_dir(self) -> Path:
        """Where unpublished events wait for the broker."""
        return self.outbox_dir or self.var_dir / "workers" / "outbox"

    @property
    def media_dir(self) -> Path:
        """Where snapshots and clips are written (HAECHI_WORKER_MEDIA_DIR, read by the backend
        too, so both sides agree on one location)."""
        return self.worker_media_dir or self.var_dir / "workers" / "media"


@lru_cache(maxsize=1)
def get_settings() -> WorkerSettings:
    """Settings from the environment (cached; call `get_settings.cache_clear()` in tests)."""
    env = os.environ
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:63799/0")
    values: dict[str, object] = {
        "broker_url": env.get("HAECHI_BROKER_URL", env.get("CELERY_BROKER_URL", redis_url)),
        "lease_redis_url": env.get("HAECHI_LEASE_REDIS_URL", redis_url),
        "var_dir": Path(env.get("HAECHI_VAR", str(ROOT / ".var"))),
    }
    for key, name in (
        ("detect_fps", "HAECHI_DETECT_FPS"),
        ("lease_ttl_s", "HAECHI_LEASE_TTL_S"),
        ("host_capacity", "HAECHI_HOST_CAPACITY"),
        ("host_tick_s", "HAECHI_HOST_TICK_S"),
        ("assign_every_s", "HAECHI_ASSIGN_EVERY_S"),
        ("outbox_dir", "HAECHI_WORKER_OUTBOX_DIR"),
        ("worker_media_dir", "HAECHI_WORKER_MEDIA_DIR"),
        ("worker_name", "HAECHI_WORKER_NAME"),
        ("broker_keyprefix", "HAECHI_BROKER_KEYPREFIX"),
    ):
        if name in env:
            values[key] = env[name]
    return WorkerSettings.model_validate(values)
