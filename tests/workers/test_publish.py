"""Publishing to the ingest queue by task name, with a disk outbox while the broker is away."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from tests.workers.conftest import app_for, queued, workers_redis_url
from workers.contracts import BehaviourEvent, event_uuid, ingested_key
from workers.publish import Publisher, RedisReceipts

T0 = datetime(2026, 11, 25, 1, 0, 0, tzinfo=UTC)


def event(i: int) -> BehaviourEvent:
    start = T0 + timedelta(seconds=10 * i)
    return BehaviourEvent(
        event_id=event_uuid("CAM-9", "fall", f"k{i}", start),
        camera="CAM-9",
        type="fall",
        score=0.8,
        started_at=start,
        ended_at=start + timedelta(seconds=2),
    )


def test_events_reach_the_ingest_queue_by_task_name(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    publisher = Publisher(app_for(workers_redis_url()), tmp_path / "outbox")
    assert publisher.publish(event(1))
    messages = queued(redis_client)
    assert len(messages) == 1
    headers = messages[0]["headers"]
    assert headers["task"] == "alerts.ingest"
    assert headers["id"] == str(event(1).event_id)
    assert messages[0]["properties"]["delivery_info"]["routing_key"] == "ingest"


def test_unreachable_broker_buffers_then_delivers_in_order(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    down = Publisher(app_for("redis://127.0.0.1:1/0"), outbox)  # nothing listens on port 1
    assert not down.publish(event(1))
    assert not down.publish(event(2))
    assert len(down.pending()) == 2
    # the broker comes back (a new process, same outbox): buffered events go first, in order
    up = Publisher(app_for(workers_redis_url()), outbox)
    assert up.publish(event(3))
    assert up.pending() == []
    ids = [m["headers"]["id"] for m in queued(redis_client)]
    assert ids == [str(event(i).event_id) for i in (1, 2, 3)]


def test_an_event_without_an_ingest_receipt_is_sent_again(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    publisher = Publisher(
        app_for(workers_redis_url()),
        tmp_path / "outbox",
        receipts=RedisReceipts(redis_client),
        confirm_after_s=1.0,
    )
    stored, lost = event(1), event(2)
    assert publisher.publish(stored) and publisher.publish(lost)
    assert [p.stem for p in publisher.unconfirmed()] == sorted(
        [str(stored.event_id), str(lost.event_id)]
    )
    redis_client.set(ingested_key(stored.event_id), 1)  # what the backend's ingest task writes
    assert publisher.confirm() == 0  # too early: nothing is due yet
    time.sleep(1.1)
    assert publisher.flush() and publisher.resent == 1
    assert [p.stem for p in publisher.unconfirmed()] == [str(lost.event_id)]
    ids = [m["headers"]["id"] for m in queued(redis_client)]
    assert ids == [str(stored.event_id), str(lost.event_id), str(lost.event_id)]
    redis_client.set(ingested_key(lost.event_id), 1)
    time.sleep(1.1)
    assert publisher.confirm() == 0 and publisher.unconfirmed() == []
    assert len(queued(redis_client)) == 3  # confirmed: not sent again


def test_unreadable_receipts_keep_events_for_later(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    down = redis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    publisher = Publisher(
        app_for(workers_redis_url()), tmp_path / "outbox", receipts=RedisReceipts(down)
    )
    publisher.confirm_after_s = 0.0
    assert publisher.publish(event(3))
    assert publisher.confirm() == 0 and len(publisher.unconfirmed()) == 1


def test_an_event_never_confirmed_is_given_up_after_a_day_and_kept(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    publisher = Publisher(
        app_for(workers_redis_url()), tmp_path / "outbox", receipts=RedisReceipts(redis_client)
    )
    assert publisher.give_up_after_s == 24 * 3600  # a day by default; shortened below
    publisher.confirm_after_s, publisher.give_up_after_s = 0.0, 0.2
    assert publisher.publish(event(4))
    assert publisher.confirm() == 1  # no receipt yet: sent again
    time.sleep(0.3)
    assert publisher.confirm() == 0 and publisher.unconfirmed() == []
    assert [p.name for p in (tmp_path / "outbox" / "sent").iterdir()] == [
        f"{event(4).event_id}.expired"
    ]
