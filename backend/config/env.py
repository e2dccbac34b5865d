"""The only place that reads the process environment. Everything else imports from here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("HAECHI_VAR", ROOT_DIR / ".var"))
PG_PORT = int(os.environ.get("HAECHI_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("HAECHI_REDIS_PORT", "63799"))


def _str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else int(raw)


@dataclass(frozen=True)
class DatabaseUrl:
    name: str
    user: str
    password: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        parsed = urlparse(url)
        if parsed.scheme not in {"postgres", "postgresql", "postgis"}:
            raise ValueError(f"DATABASE_URL must be postgres://…, got scheme {parsed.scheme!r}")
        return cls(
            name=parsed.path.lstrip("/") or "haechi",
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
        )


DATABASE_URL = _str("DATABASE_URL", f"postgres://haechi@127.0.0.1:{PG_PORT}/haechi")
REDIS_URL = _str("REDIS_URL", f"redis://127.0.0.1:{REDIS_PORT}/0")
CELERY_BROKER_URL = _str("CELERY_BROKER_URL", REDIS_URL)
CHANNELS_REDIS_URL = _str("CHANNELS_REDIS_URL", REDIS_URL)
# Where the backend writes the video hosts' camera set and reads their per-camera analysis.
VIDEO_REDIS_URL = _str("HAECHI_VIDEO_REDIS_URL", REDIS_URL)
# Stream URLs on loopback / private / link-local addresses (and file://) are refused unless set.
ALLOW_PRIVATE_STREAMS = _bool("HAECHI_ALLOW_PRIVATE_STREAMS", False)
SECRET_KEY = _str("DJANGO_SECRET_KEY", "")
DEBUG = _bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in _str("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
SHARED_DATA_DIR = Path(_str("HAECHI_SHARED_DATA", str(ROOT_DIR.parent / "shared" / "data")))
MEDIA_DIR = Path(_str("HAECHI_MEDIA_DIR", str(VAR_DIR / "media")))
# Where video workers write snapshots and clips (a volume shared with the web in production).
WORKER_MEDIA_DIR = Path(_str("HAECHI_WORKER_MEDIA_DIR", str(VAR_DIR / "workers" / "media")))
BASEMAP_STYLE_URL = _str("HAECHI_BASEMAP_STYLE_URL", "")
IMPORT_MAX_BYTES = _int("HAECHI_IMPORT_MAX_BYTES", 64 * 1024 * 1024)
LOG_LEVEL = _str("HAECHI_LOG_LEVEL", "INFO")
# Alerts of severity >= high still `new` this long after they were raised are escalated.
ESCALATE_AFTER_S = _int("HAECHI_ESCALATE_AFTER_S", 120)
# Seconds between server heartbeats on /ws/alerts/ (0 turns them off).
WS_HEARTBEAT_S = float(_str("HAECHI_WS_HEARTBEAT_S", "20") or "20")
TEST_DATABASE_NAME = _str("HAECHI_TEST_DB", "")  # lets parallel test runs use separate DBs
