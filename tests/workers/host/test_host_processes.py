"""Real video hosts (`python -m workers host`: Celery workers with a camera host) on the test
Redis: one host takes every camera, a second host that joins gets its fair share, and when a
host is killed the other watches its cameras again within the lease TTL (plus a little).

Timings start only once a host has said it is alive, which it does after compiling its models,
so a cold machine that builds models for minutes cannot fail these tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from tests.waiting import wait_until
from tests.workers.conftest import workers_redis_url
from tests.workers.host.conftest import analysis, closed_port_url, events
from workers.contracts import CameraSpec
from workers.leases import CameraRegistry, Hosts, Leases
from workers.simulator.rtsp import RtspServer

ROOT = Path(__file__).resolve().parents[3]
TTL_S = 4.0
MODEL_BUILD_TIMEOUT_S = 900  # a cold machine compiles the detector and clip models first
CAMERAS = ("CAM-1", "CAM-2", "CAM-3", "CAM-4")


class HostProcesses:
    """Starts `python -m workers host` processes and kills them at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = os.environ | {
            "REDIS_URL": workers_redis_url(),
            "HAECHI_BROKER_URL": workers_redis_url(),
            "HAECHI_LEASE_TTL_S": str(TTL_S),
            "HAECHI_HOST_TICK_S": "0.5",
            "HAECHI_ASSIGN_EVERY_S": "1",
            "HAECHI_WORKER_OUTBOX_DIR": str(tmp_path / "outbox"),
            "HAECHI_WORKER_MEDIA_DIR": str(tmp_path / "media"),
        }

    def start(self, name: str, capacity: int) -> str:
        log = (self.tmp_path / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "workers", "host", "--capacity", str(capacity),
             "--name", f"{name}@test"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return f"{name}@test"

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()[-3000:]

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[HostProcesses]:
    processes = HostProcesses(tmp_path)
    yield processes
    processes.stop_all()


def _watchers(client: redis.Redis, within_s: float = 2.0) -> dict[str, str | None]:
    """Which host freshly analysed each camera (None: nobody in the last `within_s`)."""
    found: dict[str, str | None] = {}
    now = datetime.now(UTC)
    for code in CAMERAS:
        state = analysis(client, code)
        fresh = (
            state is not None
            and state.last_frame_at is not None
            and (now - state.last_frame_at).total_seconds() <= within_s
        )
        found[code] = state.host if fresh and state is not None else None
    return found


def test_hosts_share_cameras_and_take_over_a_killed_hosts_cameras_within_the_ttl(
    rtsp: RtspServer, hosts: HostProcesses, redis_client: redis.Redis
) -> None:
    registry = CameraRegistry(redis_client)
    for code in CAMERAS:
        registry.put(CameraSpec(code=code, url=rtsp.url(code), detector=None))
    registry.put(CameraSpec(code="DEAD", url=closed_port_url(), detector=None))
    live = Hosts(redis_client, TTL_S)

    first = hosts.start("h1", capacity=8)
    wait_until(lambda: first in live.live(), MODEL_BUILD_TIMEOUT_S, f"{first} ready")
    wait_until(
        lambda: set(_watchers(redis_client).values()) == {first}, 60, "h1 watching every camera"
    )
    offline = wait_until(lambda: events(redis_client, "offline"), 60, "DEAD's offline event")
    assert offline[0]["camera"] == "DEAD" and offline[0]["worker"] == first

    second = hosts.start("h2", capacity=8)
    wait_until(lambda: second in live.live(), MODEL_BUILD_TIMEOUT_S, f"{second} ready")

    def balanced() -> bool:
        owners = list(Leases(redis_client, TTL_S).owners([*CAMERAS, "DEAD"]).values())
        fresh = None not in _watchers(redis_client).values()
        return fresh and sorted([owners.count(first), owners.count(second)]) == [2, 3]

    wait_until(balanced, 60, "the cameras to be shared (5 cameras: 3 + 2)")

    os.kill(hosts.procs["h1"].pid, signal.SIGKILL)
    killed = time.monotonic()
    wait_until(
        lambda: set(_watchers(redis_client).values()) == {second},
        TTL_S + 30,
        f"h2 to watch every camera; h2 log:\n{hosts.log('h2')}",
    )
    took_over_s = time.monotonic() - killed
    assert took_over_s <= TTL_S + 8, took_over_s
    assert {e["camera"] for e in events(redis_client)} == {"DEAD"}  # quiet scenes: no false alarm
