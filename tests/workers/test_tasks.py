"""Real Celery workers (subprocesses, solo pool): leases keep each camera on exactly one worker,
a killed worker's camera moves to another within seconds, events reach the ingest queue."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import redis
from celery import Celery

from tests.workers.conftest import workers_redis_url
from tests.workers.synthetic import write_video
from workers.leases import CameraRegistry, CameraSpec, Leases

ROOT = Path(__file__).resolve().parents[2]
TTL_S = 2.0


def _blackout(i: int, img: np.ndarray) -> None:
    if i >= 25:
        img[:] = 0


@pytest.fixture
def workers(redis_client: redis.Redis, tmp_path: Path) -> Iterator[dict[str, subprocess.Popen]]:
    env = os.environ | {
        "REDIS_URL": workers_redis_url(),
        "HAECHI_BROKER_URL": workers_redis_url(),
        "HAECHI_WINDOW_S": "3",
        "HAECHI_LEASE_TTL_S": str(TTL_S),
        "HAECHI_VAR": str(tmp_path / "var"),
    }
    procs = {}
    for name in ("w1", "w2"):
        log = (tmp_path / f"{name}.log").open("w")
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-Q", "video",
             "-P", "solo", "-n", f"{name}@test", "--without-mingle", "--without-gossip",
             "--without-heartbeat", "-l", "info"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    yield procs
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _owners(leases: Leases) -> dict[str, str | None]:
    return {code: leases.owner(code) for code in ("CAM-A", "CAM-B")}


def _ingested(client: redis.Redis) -> list[dict]:
    out = []
    for raw in client.lrange("ingest", 0, -1):
        message = json.loads(raw)
        args, _, _ = json.loads(base64.b64decode(message["body"]))
        out.append({"task": message["headers"]["task"], **args[0]})
    return out


def test_leases_move_when_a_worker_dies_and_events_reach_ingest(
    workers: dict[str, subprocess.Popen], redis_client: redis.Redis, tmp_path: Path
) -> None:
    black = write_video(tmp_path / "a.mp4", frames=500, draw=_blackout)  # 20 s, dark after 1 s
    plain = write_video(tmp_path / "b.mp4", frames=500)
    registry = CameraRegistry(redis_client)
    registry.put(CameraSpec(code="CAM-A", url=str(black), detector=None))
    registry.put(CameraSpec(code="CAM-B", url=str(plain), detector=None))
    client = Celery("test_client", broker=workers_redis_url())
    leases = Leases(redis_client, TTL_S)

    def wait_for(condition, timeout: float) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            client.send_task("video.schedule", queue="video")  # what the beat does every 5 s
            owners = _owners(leases)
            if condition(owners):
                return owners
            time.sleep(0.5)
        raise AssertionError(f"timed out; owners {owners}")

    owners = wait_for(lambda o: all(o.values()) and len(set(o.values())) == 2, timeout=40)
    assert {o.split("@")[0] for o in owners.values()} == {"w1", "w2"}  # one camera each
    victim_name = owners["CAM-A"].split("@")[0]
    survivor = "w2" if victim_name == "w1" else "w1"
    os.kill(workers[victim_name].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    owners = wait_for(lambda o: (o["CAM-A"] or "").startswith(survivor), timeout=30)
    assert time.monotonic() - killed_at < 30
    deadline = time.monotonic() + 20
    while not (events := _ingested(redis_client)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert events, "no event reached the ingest queue"
    assert {e["task"] for e in events} == {"alerts.ingest"}
    tamper = [e for e in events if e["camera"] == "CAM-A" and e["type"] == "tamper"]
    assert tamper and tamper[0]["v"] == 1 and tamper[0]["detail"] == "blackout"
    assert not [e for e in events if e["camera"] == "CAM-B"]
