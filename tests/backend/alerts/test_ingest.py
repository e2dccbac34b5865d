"""Idempotent ingest: contract validation, dedupe by event uuid, incidents, dead letters."""

from __future__ import annotations

import pytest

from backend.alerts.models import Alert, AlertHistory, DeadLetter, Incident
from backend.alerts.services import alert_ingest, alerts_ingest_bulk
from backend.alerts.tasks import alerts_ingest_task
from backend.realtime.models import RealtimeEvent
from tests.backend.alerts.events import event
from tests.factories import CITY_HALL, COEX, make_camera

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Alert.objects.count(),
        Incident.objects.count(),
        AlertHistory.objects.count(),
        RealtimeEvent.objects.count(),
    )


def test_ingest_stores_alert_at_camera_point_in_its_district() -> None:
    camera = make_camera(*COEX, code="CAM-COEX")
    result = alert_ingest(payload=event("CAM-COEX"))
    assert result.created
    alert = Alert.objects.get()
    assert alert.camera == camera
    assert alert.district.code == "11680"
    assert (alert.location.x, alert.location.y) == pytest.approx(COEX)
    assert alert.location.srid == 4326
    assert (alert.type, alert.severity, alert.status) == ("fight", "high", "new")
    assert alert.track_ids == [3, 7]
    assert alert.box == [10.0, 20.0, 110.0, 220.0]
    assert (alert.snapshot_ref, alert.clip_ref) == ("snapshots/x.jpg", "clips/x.mp4")
    assert RealtimeEvent.objects.get().type == "alert.created"
    assert list(alert.history.values_list("action", flat=True)) == ["created"]


def test_duplicate_delivery_creates_one_alert() -> None:
    make_camera(*COEX, code="CAM-COEX")
    message = event("CAM-COEX")
    first = alert_ingest(payload=message)
    again = alert_ingest(payload=dict(message))
    via_task = alerts_ingest_task(message)
    assert first.created and not again.created
    assert again.alert.pk == first.alert.pk == via_task
    assert _counts() == (1, 1, 1, 1)


def test_ingest_tasks_leave_a_receipt_for_every_handled_event() -> None:
    import redis
    from django.conf import settings

    from backend.alerts.tasks import alerts_ingest_bulk_task
    from workers.contracts import ingested_key

    make_camera(*COEX, code="CAM-COEX")
    stored, unknown_camera = event("CAM-COEX"), event("CAM-NOWHERE")
    batch = [event("CAM-COEX", at_s=600.0), event("CAM-COEX", at_s=1200.0)]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = [ingested_key(m["event_id"]) for m in [stored, unknown_camera, *batch]]
    broker.delete(*keys)
    alerts_ingest_task(stored)
    alerts_ingest_task(unknown_camera)  # dead-lettered: handled, so the publisher may stop
    alerts_ingest_bulk_task(batch)
    assert broker.exists(*keys) == 4
    assert 0 < broker.ttl(keys[0]) <= 3 * 24 * 3600


def test_bulk_path_dedupes_within_batch_and_against_stored() -> None:
    make_camera(*COEX, code="CAM-COEX")
    make_camera(*CITY_HALL, code="CAM-CH")
    stored = event("CAM-COEX")
    alert_ingest(payload=stored)
    batch = [event("CAM-COEX", at_s=i) for i in range(50)] + [
        event("CAM-CH", type="fall", at_s=i) for i in range(50)
    ]
    result = alerts_ingest_bulk(payloads=[*batch, stored, batch[0], batch[10]])
    assert len(result.created) == 100
    assert result.duplicates == 3
    assert Alert.objects.count() == 101
    assert RealtimeEvent.objects.filter(type="alert.created").count() == 101
    again = alerts_ingest_bulk(payloads=batch)
    assert (len(again.created), again.duplicates) == (0, 100)
    assert Alert.objects.count() == 101


def test_repeated_events_group_into_one_incident_within_window() -> None:
    make_camera(*COEX, code="CAM-COEX")
    for at_s in (0, 60, 200):  # each within 300 s of the previous
        alert_ingest(payload=event("CAM-COEX", at_s=at_s, severity="medium"))
    alert_ingest(payload=event("CAM-COEX", at_s=220, severity="critical"))
    alert_ingest(payload=event("CAM-COEX", at_s=2000))  # long after: a new incident
    alert_ingest(payload=event("CAM-COEX", type="fall", at_s=10))  # other type: its own
    incidents = list(Incident.objects.order_by("first_at", "type"))
    by_count = sorted(i.alert_count for i in incidents)
    assert by_count == [1, 1, 4]
    big = next(i for i in incidents if i.alert_count == 4)
    assert big.severity == "critical"
    assert Alert.objects.filter(incident=big).count() == 4


def test_bulk_incidents_match_single_path() -> None:
    make_camera(*COEX, code="CAM-COEX")
    alerts_ingest_bulk(payloads=[event("CAM-COEX", at_s=s) for s in (0, 100, 200, 1000, 1100)])
    assert sorted(Incident.objects.values_list("alert_count", flat=True)) == [2, 3]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda m: {**m, "v": 2}, "unknown_version"),
        (lambda m: {k: v for k, v in m.items() if k != "v"}, "unknown_version"),
        (lambda m: {**m, "score": 1.7}, "malformed"),
        (lambda m: {**m, "type": "dancing"}, "malformed"),
        (lambda m: {**m, "event_id": "not-a-uuid"}, "malformed"),
        (lambda m: {**m, "started_at": "2026-05-01T22:00:00"}, "malformed"),  # no timezone
        (lambda m: {**m, "extra": 1}, "malformed"),
        (lambda m: [m], "malformed"),
        (lambda m: {**m, "camera": "NO-SUCH-CAMERA"}, "unknown_camera"),
    ],
)
def test_bad_messages_go_to_dead_letter_and_nothing_else(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    make_camera(*COEX, code="CAM-COEX")
    bad = mutate(event("CAM-COEX"))
    result = alert_ingest(payload=bad)
    assert result.alert is None
    letter = DeadLetter.objects.get()
    assert letter.reason == reason
    assert letter.detail
    assert letter.payload == bad
    assert _counts() == (0, 0, 0, 0)
    bulk = alerts_ingest_bulk(payloads=[bad])
    assert [d.reason for d in bulk.dead_letters] == [reason]
    assert _counts() == (0, 0, 0, 0)


def test_history_is_append_only() -> None:
    from django.db import DatabaseError, transaction

    make_camera(*COEX, code="CAM-COEX")
    alert_ingest(payload=event("CAM-COEX"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AlertHistory.objects.update(note="rewritten")


def test_offline_and_tamper_events_change_camera_status_and_push_a_frame() -> None:
    from backend.audit.models import AuditEntry

    camera = make_camera(*COEX, code="CAM-COEX")
    assert camera.status == "online"
    alert_ingest(payload=event("CAM-COEX", type="offline"))
    camera.refresh_from_db()
    assert camera.status == "offline"
    frames = list(RealtimeEvent.objects.order_by("id").values_list("type", "frame"))
    assert [t for t, _ in frames] == ["alert.created", "camera.status_changed"]
    assert frames[1][1]["camera"]["code"] == "CAM-COEX"
    assert (frames[1][1]["camera"]["previous"], frames[1][1]["camera"]["status"]) == (
        "online",
        "offline",
    )
    assert AuditEntry.objects.filter(action="camera.updated", object_id=str(camera.pk)).exists()
    alert_ingest(payload=event("CAM-COEX", type="offline", at_s=5))  # already offline
    assert RealtimeEvent.objects.filter(type="camera.status_changed").count() == 1
    alerts_ingest_bulk(payloads=[event("CAM-COEX", type="tamper", at_s=9)])
    camera.refresh_from_db()
    assert camera.status == "degraded"
    assert RealtimeEvent.objects.filter(type="camera.status_changed").count() == 2
