"""Send BehaviourEvents to the backend's ingest task; buffer on disk while the broker is away.

`Publisher.publish(event)` first drains older buffered events (order is kept), then sends this
one with `send_task("alerts.ingest", args=[message], queue="ingest", task_id=event_id)`. When the
broker cannot be reached the message is written to `<outbox>/<time>-<event_id>.json` (atomic
rename) and sent by a later `publish` or `flush`. Nothing is lost; the backend deduplicates on
`event_id`, so a message sent twice (crash between send and delete) is harmless.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Protocol

from workers.contracts import INGEST_QUEUE, INGEST_TASK, BehaviourEvent

log = logging.getLogger(__name__)


class TaskSender(Protocol):
    """The part of a Celery app the publisher uses."""

    def send_task(self, name: str, args: Any = ..., **options: Any) -> Any: ...


class Publisher:
    """At-least-once delivery of events to the ingest queue."""

    def __init__(self, app: TaskSender, outbox: Path) -> None:
        self.app = app
        self.outbox = outbox
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.sent = 0
        self.buffered = 0

    def _send(self, message: dict[str, Any]) -> None:
        self.app.send_task(
            INGEST_TASK,
            args=[message],
            queue=INGEST_QUEUE,
            task_id=str(message["event_id"]),
            retry=False,
        )

    def publish(self, event: BehaviourEvent) -> bool:
        """Send now if possible (True) or buffer on disk (False)."""
        message = event.to_message()
        if self.flush() and not self.pending():
            try:
                self._send(message)
                self.sent += 1
                return True
            except Exception as err:  # kombu/redis raise many types for "broker away"
                log.warning("broker unreachable, buffering event %s: %s", event.event_id, err)
        self._buffer(message)
        return False

    def _buffer(self, message: dict[str, Any]) -> Path:
        name = f"{time.time_ns():020d}-{message['event_id']}.json"
        tmp = self.outbox / f".{name}.tmp"
        tmp.write_text(json.dumps(message))
        os.replace(tmp, self.outbox / name)
        self.buffered += 1
        return self.outbox / name

    def pending(self) -> list[Path]:
        """Buffered messages, oldest first."""
        return sorted(p for p in self.outbox.glob("*.json") if not p.name.startswith("."))

    def flush(self) -> bool:
        """Send buffered messages in order; True when the outbox is empty afterwards."""
        for path in self.pending():
            try:
                message = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError) as err:
                log.error("dropping unreadable outbox file %s: %s", path, err)
                path.rename(path.with_suffix(".bad"))
                continue
            try:
                self._send(message)
            except Exception as err:
                log.info("broker still unreachable (%d buffered): %s", len(self.pending()), err)
                return False
            path.unlink(missing_ok=True)
            self.sent += 1
        return True
