"""A host watches many live cameras at once and keeps each one for as long as it holds the lease:
every camera's analysis is fresh all the time, a spec change reaches the running camera, a camera
that never connects raises one offline event and shows its error, and a lost lease stops it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import redis

from tests.waiting import wait_until
from tests.workers.host.conftest import (
    PERSON_BOX,
    analysis,
    closed_port_url,
    events,
    make_host,
)
from workers.contracts import CameraSpec, analysis_key
from workers.leases import CameraRegistry, Leases
from workers.simulator.rtsp import RtspServer

ZONE_AROUND_PERSON = {
    "name": "bench",
    "polygon": [[0.3, 0.2], [0.6, 0.2], [0.6, 0.95], [0.3, 0.95]],
    "normalized": True,
}


def _fresh(client: redis.Redis, code: str, within_s: float = 2.0) -> bool:
    state = analysis(client, code)
    if state is None or state.error or state.last_frame_at is None:
        return False
    return (datetime.now(UTC) - state.last_frame_at).total_seconds() <= within_s


def test_host_watches_every_camera_continuously_and_follows_the_registry(
    rtsp: RtspServer, redis_client: redis.Redis, tmp_path: Path
) -> None:
    registry = CameraRegistry(redis_client)
    for code in ("CAM-1", "CAM-2", "CAM-3"):
        registry.put(CameraSpec(code=code, url=rtsp.url(code), detector="scripted"))
    registry.put(CameraSpec(code="DEAD", url=closed_port_url(), detector=None))
    host = make_host(redis_client, tmp_path).start()
    try:
        live = ("CAM-1", "CAM-2", "CAM-3")
        wait_until(lambda: all(_fresh(redis_client, c) for c in live), 60, "three cameras watched")
        watch = host.watches["CAM-1"]
        # continuously: for 8 s every camera's newest analysed frame is never older than 2 s
        for _ in range(16):
            assert all(_fresh(redis_client, c) for c in live), [
                analysis(redis_client, c) for c in live
            ]
            time.sleep(0.5)
        state = analysis(redis_client, "CAM-1")
        assert state is not None and state.host == "h1" and 3.0 <= state.fps <= 6.0
        assert state.lag_s < 2.0

        dead = wait_until(lambda: events(redis_client, "offline"), 30, "the offline event")
        assert [e["camera"] for e in dead] == ["DEAD"] and dead[0]["detail"] == "failed"
        dead_state = analysis(redis_client, "DEAD")
        assert dead_state is not None and dead_state.state == "error"

        # zones and rules change while the camera runs: same watch, same stream, intrusion fires
        registry.put(
            CameraSpec(
                code="CAM-1",
                url=rtsp.url("CAM-1"),
                detector="scripted",
                scene={"zones": [ZONE_AROUND_PERSON], "rules": {"intrusion": {"zones": ["bench"]}}},
            )
        )
        found = wait_until(lambda: events(redis_client, "intrusion"), 30, "the intrusion event")
        assert found[0]["camera"] == "CAM-1" and found[0]["box"] == PERSON_BOX
        assert host.watches["CAM-1"] is watch and watch.frames > 40

        registry.remove("CAM-2")  # left the registry: stopped and released
        leases = Leases(redis_client, 3)
        wait_until(lambda: leases.owner("CAM-2") is None, 20, "CAM-2 to be released")
        assert "CAM-2" not in host.watches and redis_client.get(analysis_key("CAM-2")) is None

        redis_client.set(Leases.key("CAM-3"), "another-host", px=10_000)  # lease taken over
        wait_until(lambda: "CAM-3" not in host.watches, 10, "CAM-3 to be given up")
        assert Leases(redis_client, 3).owner("CAM-3") == "another-host"
    finally:
        host.stop()
    assert Leases(redis_client, 3).owner("CAM-1") is None  # released on a clean stop
    assert len({e["event_id"] for e in events(redis_client)}) == len(events(redis_client))


def test_loitering_with_a_120_s_dwell_fires_on_a_live_stream(
    rtsp: RtspServer, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """Per-camera state lives for as long as the lease: no 60 s window resets the dwell clock."""
    scene = {
        "zones": [ZONE_AROUND_PERSON],
        "rules": {"loitering": {"zones": ["bench"], "dwell_s": 120}},
    }
    CameraRegistry(redis_client).put(
        CameraSpec(code="CAM-4", url=rtsp.url("CAM-4"), detector="scripted", scene=scene)
    )
    host = make_host(redis_client, tmp_path).start()
    try:
        wait_until(lambda: _fresh(redis_client, "CAM-4"), 60, "CAM-4 watched")
        watched_at = time.monotonic()
        time.sleep(100)
        assert not events(redis_client, "loitering"), "loitering fired before the dwell time"
        found = wait_until(lambda: events(redis_client, "loitering"), 90, "the loitering event")
        waited = time.monotonic() - watched_at
        assert 115 <= waited <= 180, waited
        assert found[0]["camera"] == "CAM-4" and found[0]["detail"].endswith(" s")
        assert int(found[0]["detail"].split()[0]) >= 120
    finally:
        host.stop()
