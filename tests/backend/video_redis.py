"""The test video Redis (HAECHI_VIDEO_REDIS_URL of the test settings: database 5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from django.conf import settings


@pytest.fixture
def video_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.HAECHI_VIDEO_REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError as err:
        pytest.skip(f"Redis not running at {settings.HAECHI_VIDEO_REDIS_URL} ({err})")
    client.flushdb()
    yield client
    client.flushdb()
