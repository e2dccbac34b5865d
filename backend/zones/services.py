"""Admin changes to zones and behaviour rules: validated, audited, and sent to the video hosts
after commit (a host compares the camera's whole spec, so the change needs no restart)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from backend.audit.services import audit_record
from backend.cameras.models import Camera
from backend.cameras.services.video_sync import cameras_video_sync_on_commit
from backend.common.exceptions import ApplicationError
from backend.zones.models import BehaviourRule, Zone

ZONE_FIELDS = ("name", "polygon")
RULE_FIELDS = ("enabled", "settings", "schedule")


def _save(instance: Zone | BehaviourRule) -> None:
    """full_clean + save; field errors become a 400 naming the field."""
    try:
        instance.full_clean()
        with transaction.atomic():
            instance.save()
    except ValidationError as err:
        details = err.message_dict if hasattr(err, "error_dict") else {"": err.messages}
        field, messages = next(iter(details.items()))
        label = field if field != "__all__" else "camera"
        raise ApplicationError(
            f"{label}: {'; '.join(messages)}", code="invalid", details=details
        ) from err
    except IntegrityError as err:
        raise ApplicationError("conflicts with an existing entry", code="conflict") from err


def _zones_named(*, camera: Camera, names: list[str]) -> list[Zone]:
    zones = list(Zone.objects.filter(camera=camera, name__in=names))
    missing = sorted(set(names) - {z.name for z in zones})
    if missing:
        raise ApplicationError(
            f"zones: no zone named {', '.join(missing)} on camera {camera.code}",
            code="invalid",
            details={"zones": missing},
        )
    return zones


@transaction.atomic
def zone_create(*, camera: Camera, name: str, polygon: Any, actor: Any = None) -> Zone:
    zone = Zone(camera=camera, name=name, polygon=polygon)
    _save(zone)
    audit_record(actor=actor, action="zone.created", target=zone,
                 data={"camera": camera.code, "name": name, "polygon": zone.polygon})  # fmt: skip
    cameras_video_sync_on_commit(codes=[camera.code])
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, data: dict[str, Any], actor: Any = None) -> Zone:
    before = {f: getattr(zone, f) for f in ZONE_FIELDS if f in data}
    for field in before:
        setattr(zone, field, data[field])
    changed = [f for f in before if before[f] != getattr(zone, f)]
    if changed:
        _save(zone)
        audit_record(actor=actor, action="zone.updated", target=zone,
                     data={"camera": zone.camera.code,
                           **{f: {"from": before[f], "to": getattr(zone, f)} for f in changed}})  # fmt: skip
        cameras_video_sync_on_commit(codes=[zone.camera.code])
    return zone


@transaction.atomic
def zone_delete(*, zone: Zone, actor: Any = None) -> None:
    code = zone.camera.code
    audit_record(actor=actor, action="zone.deleted", target=zone,
                 data={"camera": code, "name": zone.name})  # fmt: skip
    zone.delete()
    cameras_video_sync_on_commit(codes=[code])


@transaction.atomic
def rule_create(
    *,
    camera: Camera,
    behaviour: str,
    enabled: bool = True,
    settings: dict[str, Any] | None = None,
    zones: list[str] | None = None,
    schedule: dict[str, Any] | None = None,
    actor: Any = None,
) -> BehaviourRule:
    if BehaviourRule.objects.filter(camera=camera, behaviour=behaviour).exists():
        raise ApplicationError(
            f"behaviour: camera {camera.code} already has a {behaviour} rule; edit it",
            code="duplicate_rule",
        )
    rule = BehaviourRule(
        camera=camera, behaviour=behaviour, enabled=enabled, settings=settings or {},
        schedule=schedule,
    )  # fmt: skip
    zone_objs = _zones_named(camera=camera, names=zones or [])
    _save(rule)
    rule.zones.set(zone_objs)
    audit_record(actor=actor, action="rule.created", target=rule, data=_rule_audit(rule))
    cameras_video_sync_on_commit(codes=[camera.code])
    return rule


@transaction.atomic
def rule_update(*, rule: BehaviourRule, data: dict[str, Any], actor: Any = None) -> BehaviourRule:
    before = _rule_audit(rule)
    for field in RULE_FIELDS:
        if field in data:
            setattr(rule, field, data[field])
    if "zones" in data:
        zone_objs = _zones_named(camera=rule.camera, names=data["zones"])
    _save(rule)
    if "zones" in data:
        rule.zones.set(zone_objs)
    after = _rule_audit(rule)
    if after != before:
        audit_record(actor=actor, action="rule.updated", target=rule,
                     data={"from": before, "to": after})  # fmt: skip
        cameras_video_sync_on_commit(codes=[rule.camera.code])
    return rule


@transaction.atomic
def rule_delete(*, rule: BehaviourRule, actor: Any = None) -> None:
    code = rule.camera.code
    audit_record(actor=actor, action="rule.deleted", target=rule, data=_rule_audit(rule))
    rule.delete()
    cameras_video_sync_on_commit(codes=[code])


def _rule_audit(rule: BehaviourRule) -> dict[str, Any]:
    return {
        "camera": rule.camera.code,
        "behaviour": rule.behaviour,
        "enabled": rule.enabled,
        "settings": rule.settings,
        "zones": sorted(z.name for z in rule.zones.all()) if rule.pk else [],
        "schedule": rule.schedule,
    }
