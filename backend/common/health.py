"""Health of the parts the product depends on: database (PostGIS), Redis, Celery workers."""

from __future__ import annotations

import time
from typing import Any

import redis
from django.db import connection

from backend.config import env


def _timed(check) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as err:  # health reports every failure instead of raising
        detail, ok = f"{type(err).__name__}: {err}", False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("select postgis_lib_version()")
        return f"postgis {cursor.fetchone()[0]}"


def _redis() -> str:
    client = redis.Redis.from_url(env.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()
    return "pong"


def _celery() -> dict[str, Any]:
    from backend.config.celery import app

    replies = app.control.ping(timeout=0.5) or []
    return {"workers": sorted(name for reply in replies for name in reply)}


def system_health() -> dict[str, Any]:
    """Overall status: "ok", "degraded" (no Celery worker answered) or "down" (DB/Redis)."""
    checks = {"database": _timed(_database), "redis": _timed(_redis)}
    checks["celery"] = (
        _timed(_celery) if checks["redis"]["ok"] else {"ok": False, "detail": "redis down"}
    )
    if checks["celery"]["ok"] and not checks["celery"]["detail"]["workers"]:
        checks["celery"]["ok"] = False
    if not (checks["database"]["ok"] and checks["redis"]["ok"]):
        status = "down"
    elif not checks["celery"]["ok"]:
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "checks": checks}
