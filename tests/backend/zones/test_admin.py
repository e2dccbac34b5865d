"""The Django admin form for rules: a rule may only watch zones of its own camera."""

from __future__ import annotations

import pytest

from backend.zones.admin import BehaviourRuleForm
from backend.zones.models import Zone
from tests.factories import COEX, make_camera

pytestmark = pytest.mark.django_db
SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]


def _form(camera, zones):  # type: ignore[no-untyped-def]
    return BehaviourRuleForm(
        data={
            "camera": camera.pk,
            "behaviour": "intrusion",
            "enabled": "on",
            "settings": "{}",
            "zones": [z.pk for z in zones],
        }
    )


def test_a_rule_cannot_watch_another_cameras_zone() -> None:
    own = make_camera(*COEX, code="ADM-1", has_ai=True, stream_url="rtsp://127.0.0.1:8654/a")
    other = make_camera(*COEX, code="ADM-2", has_ai=True, stream_url="rtsp://127.0.0.1:8654/b")
    mine = Zone.objects.create(camera=own, name="gate", polygon=SQUARE)
    theirs = Zone.objects.create(camera=other, name="bench", polygon=SQUARE)
    refused = _form(own, [mine, theirs])
    assert not refused.is_valid()
    assert "bench" in str(refused.errors["zones"]) and "ADM-1" in str(refused.errors["zones"])
    assert _form(own, [mine]).is_valid(), _form(own, [mine]).errors
