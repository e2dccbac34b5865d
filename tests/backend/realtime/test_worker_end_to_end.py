"""A real Celery worker on the ingest queue: worker publish → ingest → frame on a socket."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from kombu import Connection

from backend.accounts.roles import Role
from backend.alerts.models import Alert, DeadLetter
from backend.config import env
from backend.config.celery import app as celery_app
from tests.backend.alerts.events import event
from tests.backend.realtime.test_alerts_socket import open_as, receive_frame
from tests.factories import COEX, make_camera, make_user

pytestmark = pytest.mark.usefixtures("committed_db")

ROOT = Path(__file__).resolve().parents[3]
BROKER_DB = 11  # a Redis database of its own, so no other worker takes these tasks


def _broker_url() -> str:
    parsed = urlparse(env.REDIS_URL)
    return urlunparse(parsed._replace(path=f"/{BROKER_DB}"))


def _connection(broker: str) -> Connection:
    """A broker connection with this session's transport options (its key prefix, see
    backend.config.settings.test), so it reaches the queues the test worker reads."""
    return Connection(broker, transport_options=celery_app.conf.broker_transport_options)


def _test_database_url() -> str:
    parsed = urlparse(env.DATABASE_URL)
    return urlunparse(parsed._replace(path=f"/{connection.settings_dict['NAME']}"))


def _wait(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def ingest_worker():  # type: ignore[no-untyped-def]
    broker = _broker_url()
    with _connection(broker) as conn:
        conn.default_channel.queue_purge("ingest")
        # messages left unacked by an earlier test (a broker restart) must not be restored here
        conn.default_channel.client.delete("unacked", "unacked_index")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "backend.config.celery", "worker",
         "-Q", "ingest", "-c", "1", "--pool", "solo", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
             "DATABASE_URL": _test_database_url(), "CELERY_BROKER_URL": broker},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield broker
    finally:
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        print("celery worker output:\n" + output)  # shown by pytest when the test fails


def test_worker_ingests_once_dead_letters_bad_input_and_pushes_the_frame(ingest_worker) -> None:  # type: ignore[no-untyped-def]
    make_camera(*COEX, code="CAM-GN")
    agent = make_user(Role.AGENT, "11680")
    message = event("CAM-GN")
    bad = {**event("CAM-GN"), "v": 9}

    async def scenario() -> dict:
        comm = await open_as(agent)
        with _connection(ingest_worker) as conn:
            for payload in (message, message, bad):  # duplicate delivery + unknown version
                # as a worker publishes: by task name, routed by CELERY_TASK_ROUTES to "ingest"
                celery_app.send_task("alerts.ingest", args=[payload], connection=conn)
        frame = await receive_frame(comm, timeout=60)
        await comm.disconnect()
        return frame

    frame = async_to_sync(scenario)()
    assert frame["type"] == "alert.created"
    assert frame["alert"]["event_uuid"] == message["event_id"]
    assert _wait(lambda: DeadLetter.objects.exists())
    assert Alert.objects.count() == 1
    letter = DeadLetter.objects.get()
    assert (letter.reason, letter.payload["v"]) == ("unknown_version", 9)
