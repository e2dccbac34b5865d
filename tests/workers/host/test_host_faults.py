"""Faults around a host: Redis restarted under it. The cameras keep being watched through the
outage, the host keeps their leases afterwards, and their analysis is fresh again at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from tests.services import run_services
from tests.waiting import wait_until
from tests.workers.host.conftest import analysis, make_host
from workers.contracts import CameraSpec
from workers.leases import CameraRegistry, Leases
from workers.simulator.rtsp import RtspServer


@pytest.fixture
def services_restored():  # type: ignore[no-untyped-def]
    try:
        yield
    finally:
        run_services("start")


def _fresh(client: redis.Redis, code: str) -> bool:
    try:
        state = analysis(client, code)
    except redis.RedisError:
        return False
    if state is None or state.last_frame_at is None or state.error:
        return False
    return (datetime.now(UTC) - state.last_frame_at).total_seconds() <= 2.0


def test_cameras_stay_with_their_host_through_a_redis_restart(
    rtsp: RtspServer, redis_client: redis.Redis, tmp_path: Path, services_restored: None
) -> None:
    registry = CameraRegistry(redis_client)
    codes = ("CAM-1", "CAM-2")
    for code in codes:
        registry.put(CameraSpec(code=code, url=rtsp.url(code), detector=None))
    host = make_host(redis_client, tmp_path, ttl_s=5.0).start()
    try:
        wait_until(lambda: all(_fresh(redis_client, c) for c in codes), 120, "cameras watched")
        frames_before = {c: host.watches[c].frames for c in codes}
        before = redis_client.info("server")["run_id"]
        run_services("restart-redis")
        assert redis_client.info("server")["run_id"] != before, "Redis was not restarted"
        recovered = time.monotonic()
        wait_until(lambda: all(_fresh(redis_client, c) for c in codes), 5 + 5, "fresh again")
        assert time.monotonic() - recovered <= 10
        leases = Leases(redis_client, 5.0)
        assert all(leases.owner(c) == "h1" for c in codes)  # no hand-over, no gap
        assert all(host.watches[c].frames > frames_before[c] for c in codes)
    finally:
        host.stop()
