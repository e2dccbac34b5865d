"""/ws/alerts/ against the real ASGI app, the real Redis channel layer and committed PostGIS data."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.alerts.services import alert_ingest
from backend.config.asgi import application
from backend.realtime.models import RealtimeEvent
from backend.realtime.publish import publish_on_commit
from tests.backend.alerts.events import event
from tests.factories import CITY_HALL, COEX, make_camera, make_user

pytestmark = pytest.mark.usefixtures("committed_db")

QUIET = 0.3  # seconds of silence that count as "no frame"


def run(coro_fn):  # type: ignore[no-untyped-def]
    return async_to_sync(coro_fn)()


async def connect(*, token: str | None = None, session: str | None = None) -> WebsocketCommunicator:
    path = "/ws/alerts/" + (f"?token={token}" if token is not None else "")
    headers = [(b"cookie", f"sessionid={session}".encode())] if session else []
    comm = WebsocketCommunicator(application, path, headers=headers)
    return comm


async def open_as(user: Any) -> WebsocketCommunicator:
    key = await database_sync_to_async(lambda: Token.objects.get_or_create(user=user)[0].key)()
    comm = await connect(token=key)
    connected, code = await comm.connect(timeout=5)
    assert connected, code
    return comm


ingest = database_sync_to_async(lambda payload: alert_ingest(payload=payload).alert)


async def receive_frame(comm: WebsocketCommunicator, timeout: float = 5) -> dict:
    """The next message that is not a server heartbeat."""
    while (frame := await comm.receive_json_from(timeout=timeout))["type"] == "heartbeat":
        pass
    return frame


async def frames_until(comm: WebsocketCommunicator, stop: str) -> list[dict]:
    out = []
    while True:
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] == stop:
            return [*out, frame]
        out.append(frame)


def test_unauthenticated_and_roleless_sockets_are_refused() -> None:
    from django.contrib.auth.models import User

    roleless = User.objects.create_user("nobody", password="x-correct-horse")
    roleless_key = Token.objects.create(user=roleless).key

    async def scenario() -> None:
        for token in (None, "", "not-a-token", "x" * 40):
            comm = await connect(token=token)
            connected, code = await comm.connect(timeout=5)
            assert (connected, code) == (False, 4401), token
        comm = await connect(session="bogus-session")
        assert await comm.connect(timeout=5) == (False, 4401)
        comm = await connect(token=roleless_key)
        assert await comm.connect(timeout=5) == (False, 4403)

    run(scenario)


def test_session_auth_is_accepted() -> None:
    user = make_user(Role.SUPERVISOR)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value

    async def scenario() -> None:
        comm = await connect(session=session)
        connected, _ = await comm.connect(timeout=5)
        assert connected
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=5) == {"type": "pong", "v": 1}
        await comm.disconnect()

    run(scenario)


def test_frames_reach_only_the_right_district_and_supervisors() -> None:
    make_camera(*COEX, code="CAM-GN")
    make_camera(*CITY_HALL, code="CAM-JG")
    gn_agent = make_user(Role.AGENT, "11680")
    jg_agent = make_user(Role.AGENT, "11140")
    supervisor = make_user(Role.SUPERVISOR)

    async def scenario() -> None:
        gn, jg, sup = await open_as(gn_agent), await open_as(jg_agent), await open_as(supervisor)
        alert = await ingest(event("CAM-GN"))
        frame = await gn.receive_json_from(timeout=5)
        assert frame["type"] == "alert.created" and frame["v"] == 1
        assert frame["alert"]["id"] == alert.pk and frame["alert"]["camera_code"] == "CAM-GN"
        assert isinstance(frame["seq"], int)
        assert await sup.receive_json_from(timeout=5) == frame
        assert await jg.receive_nothing(timeout=QUIET)
        # and the other way round
        other = await ingest(event("CAM-JG"))
        frame_jg = await jg.receive_json_from(timeout=5)
        assert frame_jg["alert"]["id"] == other.pk and frame_jg["seq"] > frame["seq"]
        assert (await sup.receive_json_from(timeout=5))["seq"] == frame_jg["seq"]
        assert await gn.receive_nothing(timeout=QUIET)
        # a resume does not leak the other district's frames either
        await jg.send_json_to({"type": "resume", "after_seq": 0})
        replay = await frames_until(jg, "resume.completed")
        assert [f["alert"]["id"] for f in replay[:-1]] == []  # both already sent on this socket
        await gn.send_json_to({"type": "resume", "after_seq": frame["seq"] - 1})
        replay = await frames_until(gn, "resume.completed")
        assert replay[:-1] == []
        for comm in (gn, jg, sup):
            await comm.disconnect()

    run(scenario)


def test_resume_replays_exactly_the_missed_frames_from_the_database() -> None:
    make_camera(*COEX, code="CAM-GN")
    make_camera(*CITY_HALL, code="CAM-JG")
    agent = make_user(Role.AGENT, "11680")

    async def scenario() -> None:
        comm = await open_as(agent)
        await ingest(event("CAM-GN", at_s=0))
        last_seen = (await comm.receive_json_from(timeout=5))["seq"]
        await comm.disconnect()
        # while away: 3 alerts in the agent's district, 2 elsewhere
        missed = [await ingest(event("CAM-GN", at_s=10 * i)) for i in range(1, 4)]
        for i in range(2):
            await ingest(event("CAM-JG", at_s=i))
        comm = await open_as(agent)
        await comm.send_json_to({"type": "resume", "after_seq": last_seen})
        replay = await frames_until(comm, "resume.completed")
        assert [f["alert"]["id"] for f in replay[:-1]] == [a.pk for a in missed]
        seqs = [f["seq"] for f in replay[:-1]]
        assert seqs == sorted(seqs) and seqs[0] > last_seen
        assert replay[-1]["last_seq"] == seqs[-1]
        assert all(f["type"] == "alert.created" for f in replay[:-1])
        # resuming again from the same point sends nothing twice on this connection
        await comm.send_json_to({"type": "resume", "after_seq": last_seen})
        assert (await frames_until(comm, "resume.completed"))[:-1] == []
        await comm.disconnect()

    run(scenario)


def test_ack_resolve_round_trip_over_rest_is_pushed_as_alert_updated() -> None:
    make_camera(*COEX, code="CAM-GN")
    agent = make_user(Role.AGENT, "11680")
    other = make_user(Role.AGENT, "11140")

    def post(pk: int, action: str) -> int:
        client = APIClient()
        client.force_authenticate(agent)
        return client.post(f"/api/v1/alerts/{pk}/{action}/", {}, format="json").status_code

    async def scenario() -> None:
        comm, other_comm = await open_as(agent), await open_as(other)
        alert = await ingest(event("CAM-GN"))
        created = await comm.receive_json_from(timeout=5)
        assert created["type"] == "alert.created"
        assert await database_sync_to_async(post)(alert.pk, "acknowledge") == 200
        ack = await comm.receive_json_from(timeout=5)
        assert await database_sync_to_async(post)(alert.pk, "resolve") == 200
        resolved = await comm.receive_json_from(timeout=5)
        assert [(f["type"], f["alert"]["status"]) for f in (ack, resolved)] == [
            ("alert.updated", "acknowledged"),
            ("alert.updated", "resolved"),
        ]
        assert created["seq"] < ack["seq"] < resolved["seq"]
        assert await other_comm.receive_nothing(timeout=QUIET)
        await comm.disconnect()
        await other_comm.disconnect()

    run(scenario)


def test_rolled_back_change_sends_no_frame() -> None:
    supervisor = make_user(Role.SUPERVISOR)

    def publish_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_on_commit(type="alert.updated", district_id=None, data={"x": 1})
            raise RuntimeError("boom")

    async def scenario() -> None:
        comm = await open_as(supervisor)
        await database_sync_to_async(publish_then_fail)()
        assert await comm.receive_nothing(timeout=QUIET)
        await comm.disconnect()

    run(scenario)
    assert not RealtimeEvent.objects.exists()


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        '{"type": "alert.created", "v": 1, "seq": 1, "alert": {}}',
        '{"type": "resume"}',
        '{"type": "resume", "after_seq": -1}',
        '{"type": "resume", "after_seq": "7"}',
        '{"type": "resume", "after_seq": true}',
        '{"no": "type"}',
        "x" * 5000,
    ],
)
def test_forged_messages_get_an_error_frame_and_the_socket_survives(message: str) -> None:
    supervisor = make_user(Role.SUPERVISOR)

    async def scenario() -> None:
        comm = await open_as(supervisor)
        await comm.send_to(text_data=message)
        reply = await comm.receive_json_from(timeout=5)
        assert reply["type"] == "error" and reply["v"] == 1 and reply["code"]
        await comm.send_to(bytes_data=b"\x00\x01")
        assert (await comm.receive_json_from(timeout=5))["type"] == "error"
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=5) == {"type": "pong", "v": 1}
        await comm.disconnect()

    run(scenario)
    assert not RealtimeEvent.objects.exists()  # nothing a client sends becomes a frame


def test_camera_going_offline_is_pushed_to_its_district_only() -> None:
    make_camera(*COEX, code="CAM-GN")
    gn_agent = make_user(Role.AGENT, "11680")
    jg_agent = make_user(Role.AGENT, "11140")

    async def scenario() -> None:
        gn, jg = await open_as(gn_agent), await open_as(jg_agent)
        await ingest(event("CAM-GN", type="offline"))
        created = await gn.receive_json_from(timeout=5)
        changed = await gn.receive_json_from(timeout=5)
        assert created["type"] == "alert.created"
        assert changed["type"] == "camera.status_changed" and changed["v"] == 1
        assert changed["seq"] == created["seq"] + 1
        assert (changed["camera"]["code"], changed["camera"]["status"]) == ("CAM-GN", "offline")
        assert await jg.receive_nothing(timeout=QUIET)
        await gn.disconnect()
        await jg.disconnect()

    run(scenario)
