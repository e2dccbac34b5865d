"""Server heartbeats on /ws/alerts/: periodic, cheap, carrying the connection's last seq."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from backend.accounts.roles import Role
from tests.backend.alerts.events import event
from tests.backend.realtime.test_alerts_socket import ingest, open_as, run
from tests.factories import CITY_HALL, COEX, make_camera, make_user

pytestmark = pytest.mark.usefixtures("committed_db")


@override_settings(HAECHI_WS_HEARTBEAT_S=0.2)
def test_heartbeats_arrive_every_interval_with_the_last_seq_sent() -> None:
    make_camera(*COEX, code="CAM-GN")
    make_camera(*CITY_HALL, code="CAM-JG")
    gn_agent = make_user(Role.AGENT, "11680")
    jg_agent = make_user(Role.AGENT, "11140")

    async def scenario() -> None:
        gn, jg = await open_as(gn_agent), await open_as(jg_agent)
        started = time.monotonic()
        beats = [await gn.receive_json_from(timeout=2) for _ in range(3)]
        elapsed = time.monotonic() - started
        assert beats == [{"type": "heartbeat", "v": 1, "last_seq": 0}] * 3
        assert 0.5 <= elapsed < 1.5  # about 3 × 0.2 s
        await ingest(event("CAM-GN"))
        while (frame := await gn.receive_json_from(timeout=2))["type"] == "heartbeat":
            pass
        assert frame["type"] == "alert.created"
        while (beat := await gn.receive_json_from(timeout=2))["type"] != "heartbeat":
            pass
        assert beat["last_seq"] == frame["seq"]
        # the other district's socket heard only heartbeats, and its last seq stays 0
        heard = []
        while not await jg.receive_nothing(timeout=0.05):
            heard.append(await jg.receive_json_from(timeout=1))
        assert len(heard) >= 3
        assert all(m == {"type": "heartbeat", "v": 1, "last_seq": 0} for m in heard)
        await gn.disconnect()
        await jg.disconnect()

    run(scenario)


@override_settings(HAECHI_WS_HEARTBEAT_S=0)
def test_heartbeats_can_be_turned_off() -> None:
    supervisor = make_user(Role.SUPERVISOR)

    async def scenario() -> None:
        comm = await open_as(supervisor)
        assert await comm.receive_nothing(timeout=0.6)
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=2) == {"type": "pong", "v": 1}
        await comm.disconnect()

    run(scenario)
