"""Ingest receipts: tell publishers which events are stored (see workers.contracts).

One key per event in the broker's Redis, with a TTL. Best effort: when Redis is away the
receipt is skipped and the publisher sends the event again later, which ingest ignores.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from uuid import UUID

import redis
from django.conf import settings

from workers.contracts import INGESTED_TTL_S, ingested_key

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _broker_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5)


def receipts_write(*, event_ids: Iterable[UUID | str]) -> int:
    """Mark these events as stored; returns how many receipts were written."""
    keys = [ingested_key(event_id) for event_id in event_ids]
    if not keys:
        return 0
    try:
        pipe = _broker_redis().pipeline(transaction=False)
        for key in keys:
            pipe.set(key, 1, ex=INGESTED_TTL_S)
        pipe.execute()
    except redis.RedisError as err:
        log.warning("ingest receipts not written for %d events: %s", len(keys), err)
        return 0
    return len(keys)
