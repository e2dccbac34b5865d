"""Process-wide objects a host needs: the Redis client and the event publisher (built once)."""

from __future__ import annotations

from functools import lru_cache

import redis

from workers.celery_app import create_producer
from workers.host.host import CameraHost
from workers.publish import Publisher, RedisReceipts
from workers.settings import get_settings


@lru_cache(maxsize=1)
def video_redis() -> redis.Redis:
    """The live path's Redis (camera set, leases, hosts)."""
    return redis.Redis.from_url(
        get_settings().lease_redis_url, socket_timeout=5, socket_connect_timeout=2
    )


@lru_cache(maxsize=1)
def publisher() -> Publisher:
    """Events go out once per process; with a Redis broker, until the ingest receipt is there."""
    settings = get_settings()
    receipts = None
    if settings.broker_url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            settings.broker_url, socket_timeout=5, socket_connect_timeout=2
        )
        receipts = RedisReceipts(client)
    return Publisher(create_producer(), settings.buffer_dir, receipts=receipts)


def build_host(*, name: str, capacity: int) -> CameraHost:
    """A host configured from the worker settings."""
    settings = get_settings()
    return CameraHost(
        name=name,
        capacity=capacity,
        client=video_redis(),
        publisher=publisher(),
        media_dir=settings.media_dir,
        ttl_s=settings.lease_ttl_s,
        tick_s=settings.host_tick_s,
        assign_every_s=settings.assign_every_s,
        detect_fps=settings.detect_fps,
    )
