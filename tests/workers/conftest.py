"""Fixtures for worker tests: a private Redis database (DB 3 of the test Redis)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

WORKERS_REDIS_DB = 3


def workers_redis_url() -> str:
    """REDIS_URL with our own database number, so other suites never see our keys."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
    return base.rsplit("/", 1)[0] + f"/{WORKERS_REDIS_DB}"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(workers_redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as err:
        pytest.skip(
            f"Redis not running at {workers_redis_url()} ({err}); run scripts/services.sh start"
        )
    client.flushdb()
    yield client
    client.flushdb()
