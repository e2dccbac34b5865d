"""Faults: the private Redis and PostgreSQL restarted during a burst of published events.

A real Celery ingest worker (subprocess) takes events a worker-side Publisher sends (it buffers
on disk while the broker is away and sends the backlog when it is back, then sends again any
event whose ingest receipt does not appear). After recovery every event is stored exactly once
(counted by event uuid) and a client that resumes from seq 0 receives every alert.created frame
exactly once. The services are left running whatever happens.
"""

from __future__ import annotations

import collections
import threading
import time
from pathlib import Path

import pytest
import redis
from asgiref.sync import async_to_sync
from celery import Celery
from django.db import connection, connections

from backend.accounts.roles import Role
from backend.alerts.models import Alert
from backend.config import env
from backend.config.celery import app as celery_app
from tests.backend.alerts.events import event
from tests.backend.realtime.test_alerts_socket import frames_until, open_as
from tests.backend.realtime.test_worker_end_to_end import ROOT, ingest_worker  # noqa: F401
from tests.factories import COEX, make_camera, make_user
from tests.services import run_services
from workers.contracts import BehaviourEvent
from workers.publish import Publisher, RedisReceipts

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_db")]

BURST = 300  # events per test
RATE_HZ = 150.0  # published over ~2 s; the restart starts 0.5 s in
CONFIRM_AFTER_S = 10.0  # an event without an ingest receipt this long after sending goes again


@pytest.fixture
def services_restored():  # type: ignore[no-untyped-def]
    """Whatever the test does to the services, they are running when it ends."""
    try:
        yield
    finally:
        run_services("start")
        connections.close_all()  # the next query opens a fresh connection


def _identity(restart: str) -> str:
    """Changes when the service restarts: Redis's run id, PostgreSQL's start time."""
    if restart == "restart-redis":
        return str(redis.Redis.from_url(env.REDIS_URL).info("server")["run_id"])
    with connection.cursor() as cursor:
        cursor.execute("select pg_postmaster_start_time()")
        return str(cursor.fetchone()[0])


def _publisher(broker: str, outbox: Path) -> Publisher:
    app = Celery("fault-test-publisher", broker=broker, set_as_current=False)
    app.conf.broker_connection_timeout = 2
    app.conf.broker_transport_options = celery_app.conf.broker_transport_options  # key prefix
    receipts = RedisReceipts(redis.Redis.from_url(broker, socket_timeout=2))
    return Publisher(app, outbox, receipts=receipts, confirm_after_s=CONFIRM_AFTER_S)


def _burst(publisher: Publisher, restart: str) -> tuple[list[str], int, float]:
    """Publish BURST events at RATE_HZ while `restart` runs in a thread; then drain the outbox.

    Returns the event ids, how many were buffered on disk, and the restart's duration.
    """
    ids: list[str] = []
    took: list[float] = []

    def restart_soon() -> None:
        time.sleep(0.5)
        t0 = time.monotonic()
        run_services(restart)
        took.append(time.monotonic() - t0)

    restarter = threading.Thread(target=restart_soon)
    restarter.start()
    started = time.monotonic()
    for i in range(BURST):
        message = event("CAM-GN", at_s=i * 400.0)  # 400 s apart: one incident each
        publisher.publish(BehaviourEvent.model_validate(message))
        ids.append(message["event_id"])
        delay = started + (i + 1) / RATE_HZ - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    restarter.join()
    deadline = time.monotonic() + 30
    while not publisher.flush():  # the broker may still be coming back
        assert time.monotonic() < deadline, f"{len(publisher.pending())} events stuck on disk"
        time.sleep(0.2)
    deadline = time.monotonic() + 90
    while publisher.unconfirmed():  # every event needs the backend's ingest receipt
        assert time.monotonic() < deadline, f"{len(publisher.unconfirmed())} events unconfirmed"
        time.sleep(0.5)
        publisher.flush()
    return ids, publisher.buffered, took[0]


def _stored_once(ids: list[str], timeout: float = 45.0) -> collections.Counter:
    deadline = time.monotonic() + timeout
    while True:
        try:
            stored = list(
                Alert.objects.filter(event_uuid__in=ids).values_list("event_uuid", flat=True)
            )
        except Exception:  # the database may still be starting
            connections.close_all()
            stored = []
        if len(stored) >= len(ids) or time.monotonic() > deadline:
            return collections.Counter(str(u) for u in stored)
        time.sleep(0.25)


def _replayed_from_zero(user) -> list[dict]:  # type: ignore[no-untyped-def]
    async def scenario() -> list[dict]:
        comm = await open_as(user)
        await comm.send_json_to({"type": "resume", "after_seq": 0})
        frames = await frames_until(comm, "resume.completed")
        await comm.disconnect()
        return [f for f in frames[:-1] if f["type"] != "heartbeat"]

    return async_to_sync(scenario)()


def _check(ids: list[str], supervisor) -> None:  # type: ignore[no-untyped-def]
    stored = _stored_once(ids)
    missing = set(ids) - set(stored)
    assert not missing, f"{len(missing)} of {len(ids)} events never became alerts"
    assert all(n == 1 for n in stored.values())
    assert len(stored) == len(ids)
    frames = _replayed_from_zero(supervisor)
    created = collections.Counter(
        f["alert"]["event_uuid"] for f in frames if f["type"] == "alert.created"
    )
    assert set(created) == set(ids)
    assert all(n == 1 for n in created.values())
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))


@pytest.mark.parametrize("restart", ["restart-redis", "restart-postgres"])
def test_burst_survives_a_restart(ingest_worker, services_restored, tmp_path, restart) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    make_camera(*COEX, code="CAM-GN")
    supervisor = make_user(Role.SUPERVISOR)
    before = _identity(restart)
    connections.close_all()  # no connection of ours held open across the restart
    publisher = _publisher(ingest_worker, tmp_path / "outbox")
    warm = event("CAM-GN", at_s=-1000.0)  # the worker is consuming before the fault
    publisher.publish(BehaviourEvent.model_validate(warm))
    assert sum(_stored_once([warm["event_id"]], timeout=60).values()) == 1
    connections.close_all()
    ids, buffered, took = _burst(publisher, restart)
    ids.append(warm["event_id"])
    connections.close_all()
    print(
        f"{restart}: {took:.1f} s; {buffered} of {BURST} events buffered on disk, "
        f"{publisher.resent} sent again for want of an ingest receipt"
    )
    assert _identity(restart) != before, "the service was not restarted"
    _check(ids, supervisor)
