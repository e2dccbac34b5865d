"""The tile cache: Redis through Django's cache API, keys carry the layer version.

A `CACHES["tiles"]` alias is used when the settings define one; otherwise a Redis cache on
`env.REDIS_URL` is created here. Keys include the database name and the layer's version
(bumped by triggers on every change), so stale tiles are never served and nothing has to be
deleted: old versions expire. A cache outage degrades to rendering, never to an error.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache

from backend.config import env

log = logging.getLogger(__name__)

TILE_TTL_S = 24 * 3600


@lru_cache(maxsize=1)
def tile_cache() -> BaseCache:
    if "tiles" in settings.CACHES:
        return caches["tiles"]
    return RedisCache(
        env.REDIS_URL,
        {
            "TIMEOUT": TILE_TTL_S,
            "KEY_PREFIX": f"haechi-tiles-{settings.DATABASES['default']['NAME']}",
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
        },
    )


def cache_get(key: str) -> bytes | None:
    try:
        return tile_cache().get(key)
    except Exception as err:  # Redis down or slow: render instead
        log.warning("tile cache get failed: %s", err)
        return None


def cache_set(key: str, data: bytes) -> None:
    try:
        tile_cache().set(key, data, TILE_TTL_S)
    except Exception as err:
        log.warning("tile cache set failed: %s", err)
