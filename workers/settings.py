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
    var_dir: Path = ROOT / ".var"
    camera_code: str = "local"
    detect_fps: float = Field(default=5.0, gt=0, le=30, description="frames analysed per second")
    window_s: float = Field(
        default=60.0, gt=0, le=3600, description="seconds per Celery video window"
    )
    lease_ttl_s: float = Field(default=15.0, gt=1, le=600, description="camera lease time to live")
    worker_name: str = Field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")

    @property
    def buffer_dir(self) -> Path:
        """Where unpublished events wait for the broker."""
        return self.var_dir / "workers" / "outbox"

    @property
    def media_dir(self) -> Path:
        """Where snapshots and clips are written."""
        return self.var_dir / "workers" / "media"


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
        ("window_s", "HAECHI_WINDOW_S"),
        ("lease_ttl_s", "HAECHI_LEASE_TTL_S"),
        ("worker_name", "HAECHI_WORKER_NAME"),
    ):
        if name in env:
            values[key] = env[name]
    return WorkerSettings.model_validate(values)
