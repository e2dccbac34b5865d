"""Send BehaviourEvents to the backend's ingest task; buffer on disk while the broker is away.

`Publisher.publish(event)` first drains older buffered events (order is kept), then sends this
one with `send_task("alerts.ingest", args=[message], queue="ingest", task_id=event_id)`. When the
broker cannot be reached the message is written to `<outbox>/<time>-<event_id>.json` (atomic
rename) and sent by a later `publish` or `flush`.

With `receipts` (the broker's Redis), a sent message also waits in `<outbox>/sent/` until the
backend's ingest receipt for it appears (workers.contracts.ingested_key); `flush` sends again
any message still without a receipt `confirm_after_s` after it was sent, for a day at most (then
it stays as `<event_id>.expired` and is logged as an error). This closes the gap
the Redis transport leaves when a consumer's connection breaks just after it took a message off
the queue. Nothing is lost; the backend deduplicates on `event_id`, so a message sent twice is
harmless.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Protocol

from workers.contracts import INGEST_QUEUE, INGEST_TASK, BehaviourEvent, ingested_key

log = logging.getLogger(__name__)


class TaskSender(Protocol):
    """The part of a Celery app the publisher uses."""

    def send_task(self, name: str, args: Any = ..., **options: Any) -> Any: ...


class Receipts(Protocol):
    """Which events the backend has stored."""

    def stored(self, event_ids: list[str]) -> set[str]: ...


class RedisReceipts:
    """Ingest receipts in the broker's Redis (raises redis.RedisError when it is away)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def stored(self, event_ids: list[str]) -> set[str]:
        pipe = self.client.pipeline(transaction=False)
        for event_id in event_ids:
            pipe.exists(ingested_key(event_id))
        return {e for e, found in zip(event_ids, pipe.execute(), strict=True) if found}


class Publisher:
    """At-least-once delivery of events to the ingest queue (end to end with `receipts`)."""

    def __init__(
        self,
        app: TaskSender,
        outbox: Path,
        receipts: Receipts | None = None,
        confirm_after_s: float = 30.0,
        give_up_after_s: float = 24 * 3600.0,
    ) -> None:
        self.app = app
        self.outbox = outbox
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.receipts = receipts
        self.confirm_after_s = confirm_after_s
        self.give_up_after_s = give_up_after_s  # then kept as <id>.expired for an operator
        self.sent_dir = outbox / "sent"
        if receipts is not None:
            self.sent_dir.mkdir(exist_ok=True)
        self.sent = 0
        self.buffered = 0
        self.resent = 0

    def _send(self, message: dict[str, Any], first_sent: float | None = None) -> None:
        self.app.send_task(
            INGEST_TASK,
            args=[message],
            queue=INGEST_QUEUE,
            task_id=str(message["event_id"]),
            retry=False,
        )
        if self.receipts is not None:  # kept until the backend's receipt shows up
            record = {"first_sent": first_sent or time.time(), "message": message}
            _write_atomic(self.sent_dir / f"{message['event_id']}.json", record)

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
        path = self.outbox / f"{time.time_ns():020d}-{message['event_id']}.json"
        _write_atomic(path, message)
        self.buffered += 1
        return path

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
        self.confirm()
        return True

    def unconfirmed(self) -> list[Path]:
        """Sent messages still waiting for their ingest receipt."""
        if self.receipts is None:
            return []
        return sorted(p for p in self.sent_dir.glob("*.json") if not p.name.startswith("."))

    def confirm(self) -> int:
        """Forget messages with a receipt; send again those without one after `confirm_after_s`.

        Returns how many were sent again. Redis or the broker away: try again next time.
        """
        due = [p for p in self.unconfirmed() if _age_s(p) >= self.confirm_after_s]
        if not due or self.receipts is None:
            return 0
        try:
            stored = self.receipts.stored([p.stem for p in due])
        except Exception as err:  # redis raises many types for "away"
            log.info("ingest receipts unreadable (%d unconfirmed): %s", len(due), err)
            return 0
        again = 0
        for path in due:
            if path.stem in stored:
                path.unlink(missing_ok=True)
                continue
            try:
                record = json.loads(path.read_text())
                message, first_sent = record["message"], float(record["first_sent"])
            except (OSError, ValueError, KeyError, TypeError) as err:
                log.error("dropping unreadable sent file %s: %s", path, err)
                path.rename(path.with_suffix(".bad"))
                continue
            if time.time() - first_sent > self.give_up_after_s:
                log.error("event %s still has no ingest receipt: given up", path.stem)
                path.rename(path.with_suffix(".expired"))
                continue
            try:
                self._send(message, first_sent)  # rewrites the file: its age starts again
            except Exception as err:  # kombu/redis raise many types for "broker away"
                log.info("broker unreachable while re-sending unconfirmed events: %s", err)
                break
            log.warning(
                "event %s had no ingest receipt after %.0f s: sent again",
                path.stem,
                self.confirm_after_s,
            )
            again += 1
        self.resent += again
        return again


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:  # confirmed by another process sharing the outbox
        return -1.0
