"""The only place that talks to the channel layer: frames go out after commit, with a seq.

`publish_on_commit` stores the frame in the RealtimeEvent outbox inside the caller's
transaction (its id becomes the frame's `seq`) and schedules the group_send with
`transaction.on_commit`. A rolled-back change therefore sends nothing, and a client that missed
frames (reconnect, slow consumer, Redis hiccup) replays them from the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.db import connection, transaction

from backend.realtime.groups import groups_for_event
from backend.realtime.models import RealtimeEvent

logger = logging.getLogger(__name__)

FRAME_TYPES = frozenset({"alert.created", "alert.updated", "camera.status_changed"})
# pg_advisory_xact_lock key ("HAECHI-RT"): serialises outbox writers until their commit.
OUTBOX_LOCK_KEY = 0x4841454348495254 & 0x7FFFFFFFFFFFFFFF


def _lock_outbox() -> None:
    with connection.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(%s)", [OUTBOX_LOCK_KEY])


def publish_on_commit(*, type: str, district_id: int | None, data: dict[str, Any]) -> int:
    """Queue one frame; returns its seq. Must run inside the writing service's transaction."""
    return publish_many_on_commit(frames=[(type, district_id, data)])[0]


def publish_many_on_commit(
    *, frames: Iterable[tuple[str, int | None, dict[str, Any]]]
) -> list[int]:
    rows = []
    for type_, district_id, data in frames:
        if type_ not in FRAME_TYPES:
            raise ValueError(f"unknown frame type {type_!r}")
        rows.append(RealtimeEvent(type=type_, district_id=district_id, frame=data))
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("publish_on_commit must be called inside transaction.atomic()")
    # Hold the outbox lock from the insert to commit: seq order == commit order.
    # Callers publish last in their transaction so the lock is held only briefly.
    _lock_outbox()
    created = RealtimeEvent.objects.bulk_create(rows)
    messages = [(r.district_id, r.as_frame()) for r in created]
    transaction.on_commit(lambda: _send(messages))
    return [r.id for r in created]


class _SenderLoop:
    """One event loop per process, in a daemon thread, for the sync callers' group_sends.

    async_to_sync would start a fresh loop per call, and channels_redis keeps its connection
    pool per loop: a new Redis connection for every frame. Re-created after fork.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="realtime-publish", daemon=True
                ).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop


_sender = _SenderLoop()
SEND_TIMEOUT_S = 5.0


def _send(messages: list[tuple[int | None, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for attempt in (1, 2):  # a pooled Redis connection may be stale (Redis restarted): retry once
        future = asyncio.run_coroutine_threadsafe(_send_all(layer, messages), _sender.loop())
        try:
            future.result(timeout=SEND_TIMEOUT_S)  # in order: the next commit's frames come after
            return
        except Exception:  # the frame is in the outbox; clients catch up with resume
            future.cancel()
            if attempt == 2:
                logger.exception(
                    "group_send failed for %d frame(s); clients will resume", len(messages)
                )
            else:
                logger.warning("group_send failed; retrying once", exc_info=True)


FRAMES_PER_MESSAGE = 100  # frames of one commit travel together: one group_send per group


async def _send_all(layer: Any, messages: list[tuple[int | None, dict[str, Any]]]) -> None:
    """One channel-layer message per group per chunk, frames in seq order inside it."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for district_id, frame in messages:
        for group in groups_for_event(district_id):
            by_group.setdefault(group, []).append({"district_id": district_id, "frame": frame})
    for group, items in by_group.items():
        for i in range(0, len(items), FRAMES_PER_MESSAGE):
            await layer.group_send(
                group, {"type": "realtime.frames", "items": items[i : i + FRAMES_PER_MESSAGE]}
            )
