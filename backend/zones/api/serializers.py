"""Wire shapes of zones and behaviour rules (rules name their zones)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.zones.models import BehaviourRule, Zone
from workers.contracts import BEHAVIOURS


class ZoneSerializer(serializers.ModelSerializer):
    camera = serializers.IntegerField(source="camera_id", read_only=True)

    class Meta:
        model = Zone
        fields = ("id", "camera", "name", "polygon", "created_at", "updated_at")
        read_only_fields = ("id", "camera", "created_at", "updated_at")


class ZoneWriteSerializer(serializers.Serializer):
    name = serializers.RegexField(r"^[^\s/][^/]{0,63}$", max_length=64)
    polygon = serializers.JSONField(help_text="[[x, y], …] normalised 0..1, 3..256 points")


class RuleSerializer(serializers.ModelSerializer):
    camera = serializers.IntegerField(source="camera_id", read_only=True)
    zones = serializers.SerializerMethodField()

    class Meta:
        model = BehaviourRule
        fields = (
            "id", "camera", "behaviour", "enabled", "settings", "zones", "schedule",
            "created_at", "updated_at",
        )  # fmt: skip

    def get_zones(self, rule: BehaviourRule) -> list[str]:
        return sorted(z.name for z in rule.zones.all())


class RuleWriteSerializer(serializers.Serializer):
    behaviour = serializers.ChoiceField(choices=list(BEHAVIOURS))
    enabled = serializers.BooleanField(required=False)
    settings = serializers.JSONField(required=False, help_text="the rule plugin's settings")
    zones = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=64,
        help_text="zone names of this camera (zone rules without zones stay off)",
    )  # fmt: skip
    schedule = serializers.JSONField(
        required=False, allow_null=True,
        help_text="{from_hour, to_hour, days, timezone}; null = always",
    )  # fmt: skip

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.partial and "behaviour" in attrs:
            raise serializers.ValidationError({"behaviour": "a rule's behaviour cannot change"})
        return attrs
