"""Query parameters of the alert list (documented in OpenAPI)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.alerts.models import AlertStatus, AlertType, DeadLetterReason, Severity


def _choices(value: str, allowed: set[str]) -> str:
    bad = [v for v in value.split(",") if v not in allowed]
    if bad:
        raise serializers.ValidationError(f"unknown {bad}; allowed: {sorted(allowed)}")
    return value


class AlertFilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text="comma-separated statuses")
    type = serializers.CharField(required=False, help_text="comma-separated behaviour types")
    severity = serializers.CharField(required=False, help_text="comma-separated severities")
    district = serializers.CharField(required=False, help_text="SIG_CD (11680) or 강남구")
    camera = serializers.CharField(required=False, help_text="camera code")
    since = serializers.DateTimeField(required=False, help_text="started at or after (ISO 8601)")
    until = serializers.DateTimeField(required=False, help_text="started before (ISO 8601)")
    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat (WGS84)")

    def validate_status(self, value: str) -> str:
        return _choices(value, set(AlertStatus.values))

    def validate_type(self, value: str) -> str:
        return _choices(value, set(AlertType.values))

    def validate_severity(self, value: str) -> str:
        return _choices(value, set(Severity.values))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError("since must be before until")
        return attrs


class FeedbackFilterSerializer(AlertFilterSerializer):
    min_judged = serializers.IntegerField(
        required=False, min_value=0, help_text="only rows with at least this many judged alerts"
    )


class DeadLetterFilterSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeadLetterReason.choices, required=False)


def alert_filters(params: Any, serializer_class: type = AlertFilterSerializer) -> dict[str, Any]:
    serializer = serializer_class(data=params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
