"""An escalation reaches the alert's district and every supervisor/admin socket, no one else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from backend.accounts.roles import Role
from backend.alerts.models import Alert
from backend.alerts.services import alerts_escalate
from tests.backend.alerts.events import event
from tests.backend.realtime.test_alerts_socket import QUIET, ingest, open_as, run
from tests.factories import CITY_HALL, COEX, make_camera, make_user

pytestmark = pytest.mark.usefixtures("committed_db")


def _age(pk: int) -> None:
    Alert.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(minutes=10))


def test_escalation_is_pushed_to_supervisors_admins_and_the_district() -> None:
    make_camera(*COEX, code="CAM-GN")
    make_camera(*CITY_HALL, code="CAM-JG")
    users = {
        "gn": make_user(Role.AGENT, "11680"),
        "jg": make_user(Role.AGENT, "11140"),
        "sup": make_user(Role.SUPERVISOR),
        "admin": make_user(Role.ADMIN),
    }

    async def scenario() -> None:
        socks = {k: await open_as(u) for k, u in users.items()}
        alert = await ingest(event("CAM-GN", severity="high"))
        for key in ("gn", "sup", "admin"):
            assert (await socks[key].receive_json_from(timeout=5))["type"] == "alert.created"
        await database_sync_to_async(_age)(alert.pk)
        escalated = await database_sync_to_async(alerts_escalate)(after=timedelta(minutes=2))
        assert [a.pk for a in escalated] == [alert.pk]
        frames = {k: await socks[k].receive_json_from(timeout=5) for k in ("gn", "sup", "admin")}
        for frame in frames.values():
            assert frame["type"] == "alert.updated" and frame["v"] == 1
            assert frame["escalated"] is True
            assert frame["alert"]["id"] == alert.pk and frame["alert"]["severity"] == "critical"
        assert frames["gn"] == frames["sup"] == frames["admin"]
        assert await socks["jg"].receive_nothing(timeout=QUIET)
        for comm in socks.values():
            await comm.disconnect()

    run(scenario)
