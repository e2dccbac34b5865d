"""The Redis shared with the video hosts (`HAECHI_VIDEO_REDIS_URL`): one client per URL."""

from __future__ import annotations

import threading

import redis
from django.conf import settings

SOCKET_TIMEOUT_S = 3.0
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def video_redis() -> redis.Redis:
    """A client (str responses) for the live-path keys; short timeouts so an outage fails fast."""
    url = settings.HAECHI_VIDEO_REDIS_URL
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=SOCKET_TIMEOUT_S,
                socket_connect_timeout=SOCKET_TIMEOUT_S,
                health_check_interval=30,
            )
            _clients[url] = client
        return client
