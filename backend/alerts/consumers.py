"""`/ws/alerts/`: live alert frames for the districts the user may see, with resume by seq.

Server frames: {"type": "alert.created" | "alert.updated" | "camera.status_changed", "v": 1,
"seq": n, ...}. Client messages: {"type": "resume", "after_seq": n} replays from the database
every frame after n the user may see, then sends {"type": "resume.completed", "v": 1,
"last_seq": m}; {"type": "ping"} → {"type": "pong", "v": 1}. Anything else gets an error frame.
Every HAECHI_WS_HEARTBEAT_S seconds the server sends {"type": "heartbeat", "v": 1, "last_seq": n}
(n: the highest seq sent on this connection, 0 before any; no database work). A client whose own
last seq is lower lost frames on the way and resumes; a client that hears nothing for two
intervals reconnects and resumes.
A frame is never sent twice on one connection (live frames that a replay already sent are
skipped). The consumer holds no business logic: reads go through selectors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from backend.accounts.selectors import user_district_ids, user_roles
from backend.realtime.auth import user_for_scope
from backend.realtime.groups import groups_for_scope
from backend.realtime.selectors import realtime_frames_after

logger = logging.getLogger(__name__)

SENT_MEMORY = 20_000  # seqs remembered per connection to avoid double delivery
MAX_MESSAGE_BYTES = 4096
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NO_ROLE = 4403


@database_sync_to_async
def _who(scope: dict[str, Any]) -> tuple[Any | None, set[int] | None, bool]:
    user = user_for_scope(scope=scope)
    if user is None:
        return None, set(), False
    return user, user_district_ids(user=user), bool(user_roles(user=user))


_frames_after = database_sync_to_async(realtime_frames_after)


class AlertConsumer(AsyncWebsocketConsumer):
    groups: list[str] = []

    async def connect(self) -> None:
        self.joined: list[str] = []
        self.last_seq = 0
        self.heartbeat: asyncio.Task[None] | None = None
        self.sent: set[int] = set()
        self.sent_order: deque[int] = deque()
        user, districts, has_role = await _who(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not has_role:
            await self.close(code=CLOSE_NO_ROLE)
            return
        self.user = user
        self.district_ids = districts
        for group in groups_for_scope(districts):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        await self.accept()
        interval = float(settings.HAECHI_WS_HEARTBEAT_S)
        if interval > 0:
            self.heartbeat = asyncio.create_task(self._beat(interval))

    async def _beat(self, interval: float) -> None:
        """One sleeping task per connection; a failed send (socket gone) ends it."""
        try:
            while True:
                await asyncio.sleep(interval)
                await self._send({"type": "heartbeat", "v": 1, "last_seq": self.last_seq})
        except asyncio.CancelledError:
            raise
        except Exception:  # the connection is closing; disconnect() cleans up
            logger.debug("heartbeat stopped", exc_info=True)

    async def disconnect(self, code: int) -> None:
        task = getattr(self, "heartbeat", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    # ----------------------------------------------------------------------- client → server
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_MESSAGE_BYTES:
            await self._error("bad_message", "send JSON text messages under 4 KiB")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._error("bad_json", "message is not JSON")
            return
        if not isinstance(message, dict):
            await self._error("bad_message", "message must be a JSON object")
            return
        kind = message.get("type")
        if kind == "resume":
            after = message.get("after_seq")
            if isinstance(after, bool) or not isinstance(after, int) or after < 0:
                await self._error("bad_resume", "after_seq must be a non-negative integer")
                return
            await self._replay(after)
        elif kind == "ping":
            await self._send({"type": "pong", "v": 1})
        else:
            await self._error("unknown_type", f"unknown message type {str(kind)[:40]!r}")

    async def _replay(self, after: int) -> None:
        last = after
        while True:
            frames = await _frames_after(after_seq=last, district_ids=self.district_ids)
            if not frames:
                break
            for frame in frames:
                await self._deliver(frame)
            last = frames[-1]["seq"]
        await self._send({"type": "resume.completed", "v": 1, "last_seq": last})

    # ----------------------------------------------------------------------- server → client
    async def realtime_frames(self, event: dict[str, Any]) -> None:
        """Group message from backend.realtime.publish: frames of one commit, in seq order."""
        for item in event["items"]:
            district = item.get("district_id")
            if self.district_ids is not None and district not in self.district_ids:
                continue  # never leak a frame outside the user's districts
            await self._deliver(item["frame"])

    async def _deliver(self, frame: dict[str, Any]) -> None:
        seq = frame["seq"]
        if seq in self.sent:
            return
        self.sent.add(seq)
        self.last_seq = max(self.last_seq, seq)
        self.sent_order.append(seq)
        if len(self.sent_order) > SENT_MEMORY:
            self.sent.discard(self.sent_order.popleft())
        await self._send(frame)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def _error(self, code: str, message: str) -> None:
        await self._send({"type": "error", "v": 1, "code": code, "message": message})
