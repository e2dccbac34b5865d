"""Alert wire shape for OpenAPI (the data itself comes from backend.alerts.payloads)."""

from __future__ import annotations

from rest_framework import serializers


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_uuid = serializers.UUIDField()
    incident_id = serializers.IntegerField()
    camera_id = serializers.IntegerField()
    camera_code = serializers.CharField()
    district_id = serializers.IntegerField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    type = serializers.CharField()
    severity = serializers.CharField()
    score = serializers.FloatField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    track_ids = serializers.ListField(child=serializers.IntegerField())
    box = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    snapshot = serializers.CharField(allow_null=True)
    clip = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    assignee_id = serializers.IntegerField(allow_null=True)
    resolution_note = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(help_text="user id of the agent to assign")


class NoteTextSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class AlertNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    alert_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class FeedbackRowSerializer(serializers.Serializer):
    camera_id = serializers.IntegerField()
    camera_code = serializers.CharField()
    district_id = serializers.IntegerField()
    type = serializers.CharField()
    total = serializers.IntegerField()
    false_positive = serializers.IntegerField()
    confirmed = serializers.IntegerField(help_text="dispatched or resolved")
    open = serializers.IntegerField(help_text="not judged yet")
    false_positive_rate = serializers.FloatField(
        allow_null=True, help_text="false_positive / (false_positive + confirmed)"
    )


class DeadLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    reason = serializers.CharField()
    detail = serializers.CharField()
    payload = serializers.JSONField(allow_null=True)
    raw = serializers.CharField(help_text="repr() of a payload that was not JSON")
