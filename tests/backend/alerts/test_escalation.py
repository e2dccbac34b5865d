"""Escalation: alerts of severity >= high left `new` too long are raised once, recorded, pushed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from backend.accounts.roles import Role
from backend.alerts.models import Alert, AlertHistory, Incident
from backend.alerts.services import alert_acknowledge, alert_ingest, alerts_escalate
from backend.alerts.tasks import alerts_escalate_task
from backend.audit.models import AuditEntry
from backend.config.celery import app as celery_app
from backend.realtime.models import RealtimeEvent
from tests.backend.alerts.events import event
from tests.factories import CITY_HALL, COEX, SINCHON, make_camera, make_user

pytestmark = pytest.mark.django_db


def raised(camera: str, *, severity: str, age_s: float, at_s: float = 0.0, **fields: str) -> Alert:
    """An alert stored `age_s` seconds ago (created_at is when the backend received it)."""
    alert = alert_ingest(payload=event(camera, severity=severity, at_s=at_s, **fields)).alert
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(seconds=age_s))
    return Alert.objects.get(pk=alert.pk)


@pytest.fixture
def cameras() -> None:
    make_camera(*COEX, code="CAM-GN")
    make_camera(*CITY_HALL, code="CAM-JG")
    make_camera(*SINCHON, code="CAM-SDM")


def test_only_due_unacknowledged_high_alerts_are_escalated_once(cameras) -> None:  # type: ignore[no-untyped-def]
    due_high = raised("CAM-GN", severity="high", age_s=300)
    due_critical = raised("CAM-SDM", severity="critical", age_s=300, at_s=1000)
    due_medium = raised("CAM-GN", severity="medium", age_s=300, type="fall")
    fresh_high = raised("CAM-JG", severity="high", age_s=10)
    acked = raised("CAM-JG", severity="high", age_s=300, at_s=2000)
    alert_acknowledge(alert=acked, actor=make_user(Role.AGENT, "11140"))
    seq_before = RealtimeEvent.objects.order_by("-id").first().id

    done = alerts_escalate(after=timedelta(seconds=120))

    assert {a.pk for a in done} == {due_high.pk, due_critical.pk}
    after = {a.pk: a for a in Alert.objects.all()}
    assert after[due_high.pk].severity == "critical"  # one step up
    assert after[due_critical.pk].severity == "critical"  # cannot go higher: re-notified
    assert after[due_high.pk].status == "new"  # escalation does not acknowledge
    assert after[due_high.pk].escalated_at is not None
    for untouched in (due_medium, fresh_high, acked):
        assert after[untouched.pk].severity == untouched.severity
        assert after[untouched.pk].escalated_at is None
    assert Incident.objects.get(pk=due_high.incident_id).severity == "critical"

    row = AlertHistory.objects.get(alert_id=due_high.pk, action="escalate")
    assert (row.from_status, row.to_status, row.actor_id) == ("new", "new", None)
    assert (row.data["from_severity"], row.data["to_severity"]) == ("high", "critical")
    assert row.data["after_s"] >= 299
    audit = AuditEntry.objects.get(action="alert.escalate", object_id=str(due_high.pk))
    assert audit.data["to_severity"] == "critical"

    frames = list(RealtimeEvent.objects.filter(id__gt=seq_before).order_by("id"))
    assert [(f.type, f.frame["escalated"]) for f in frames] == [("alert.updated", True)] * 2
    by_alert = {f.frame["alert"]["id"]: f for f in frames}
    assert by_alert[due_high.pk].district_id == due_high.district_id
    assert by_alert[due_high.pk].frame["alert"]["severity"] == "critical"
    assert by_alert[due_high.pk].frame["alert"]["escalated_at"] is not None
    assert by_alert[due_high.pk].frame["escalation"]["from_severity"] == "high"

    # idempotent: a second run (or a redelivered task) changes and sends nothing
    assert alerts_escalate(after=timedelta(seconds=120)) == []
    assert RealtimeEvent.objects.filter(id__gt=seq_before).count() == 2
    assert AlertHistory.objects.filter(action="escalate").count() == 2


def test_runs_are_bounded_and_take_the_oldest_first(cameras) -> None:  # type: ignore[no-untyped-def]
    alerts = [
        raised("CAM-GN", severity="high", age_s=1000 - 100 * i, at_s=600 * i) for i in range(5)
    ]
    batches = [alerts_escalate(after=timedelta(seconds=60), limit=2) for _ in range(4)]
    assert [[a.pk for a in b] for b in batches] == [
        [alerts[0].pk, alerts[1].pk],
        [alerts[2].pk, alerts[3].pk],
        [alerts[4].pk],
        [],
    ]


def test_the_delay_comes_from_settings(cameras) -> None:  # type: ignore[no-untyped-def]
    alert = raised("CAM-GN", severity="high", age_s=100)
    with override_settings(HAECHI_ESCALATE_AFTER_S=120):
        assert alerts_escalate() == []
    with override_settings(HAECHI_ESCALATE_AFTER_S=90):
        assert [a.pk for a in alerts_escalate()] == [alert.pk]


def test_escalated_alert_can_still_be_acknowledged(cameras) -> None:  # type: ignore[no-untyped-def]
    alert = raised("CAM-GN", severity="high", age_s=300)
    alerts_escalate(after=timedelta(seconds=120))
    acked = alert_acknowledge(alert=alert, actor=make_user(Role.AGENT, "11680"))
    assert (acked.status, acked.severity) == ("acknowledged", "critical")


def test_task_is_scheduled_once_on_the_ingest_queue_and_escalates(cameras) -> None:  # type: ignore[no-untyped-def]
    entries = [e for e in celery_app.conf.beat_schedule.values() if e["task"] == "alerts.escalate"]
    assert len(entries) == 1
    assert entries[0]["options"]["queue"] == "ingest"
    assert entries[0]["schedule"] <= 60
    assert "alerts.escalate" in celery_app.tasks
    raised("CAM-GN", severity="high", age_s=3600)
    assert alerts_escalate_task.apply().get() == 1  # the task body, run in this process
    assert alerts_escalate_task.apply().get() == 0
