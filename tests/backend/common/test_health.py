"""/healthz reports the real database and Redis."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_database_and_redis():
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["database"]["ok"] and "postgis" in body["checks"]["database"]["detail"]
    assert body["checks"]["redis"]["ok"]
    assert body["status"] in {"ok", "degraded"}  # degraded while no Celery worker runs
    assert body["status"] == ("ok" if body["checks"]["celery"]["ok"] else "degraded")


@pytest.mark.django_db
def test_healthz_is_down_when_redis_is_unreachable(monkeypatch):
    from backend.config import env

    monkeypatch.setattr(env, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert not response.json()["checks"]["redis"]["ok"]
