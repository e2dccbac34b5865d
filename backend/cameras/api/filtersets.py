"""Query parameters of the camera list (documented in OpenAPI)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class CameraFilterSerializer(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat (WGS84)")
    district = serializers.CharField(required=False, help_text="SIG_CD (11680) or 강남구")
    status = serializers.CharField(required=False, help_text="comma-separated statuses")
    kind = serializers.CharField(required=False, help_text="comma-separated kinds")
    ai = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, help_text="code or address contains")
    analysis = serializers.CharField(
        required=False, help_text="comma-separated: watched, not_watched, error (analysable only)"
    )

    def validate_status(self, value: str) -> str:
        return _choices(value, {"online", "offline", "degraded", "maintenance", "planned"})

    def validate_analysis(self, value: str) -> str:
        return _choices(value, {"watched", "not_watched", "error"})

    def validate_kind(self, value: str) -> str:
        return _choices(value, {"legacy", "replaced_ai", "upgraded_ai", "new_ai"})


def _choices(value: str, allowed: set[str]) -> str:
    bad = [v for v in value.split(",") if v not in allowed]
    if bad:
        raise serializers.ValidationError(f"unknown {bad}; allowed: {sorted(allowed)}")
    return value


def camera_filters(params: Any) -> dict[str, Any]:
    serializer = CameraFilterSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
