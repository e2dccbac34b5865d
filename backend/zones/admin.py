from django.contrib import admin

from backend.audit.services import audit_record
from backend.cameras.services.video_sync import cameras_video_sync_on_commit
from backend.zones.models import BehaviourRule, Zone


class _SyncsCamera(admin.ModelAdmin):
    """Admin edits reach the video hosts after commit, like the API's."""

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        action = f"{obj._meta.model_name}.{'updated' if change else 'created'}"
        audit_record(actor=request.user, action=action, target=obj,
                     data={"camera": obj.camera.code, "via": "admin"})  # fmt: skip
        cameras_video_sync_on_commit(codes=[obj.camera.code])

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        cameras_video_sync_on_commit(codes=[form.instance.camera.code])

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        audit_record(actor=request.user, action=f"{obj._meta.model_name}.deleted", target=obj,
                     data={"camera": obj.camera.code, "via": "admin"})  # fmt: skip
        cameras_video_sync_on_commit(codes=[obj.camera.code])
        super().delete_model(request, obj)


@admin.register(Zone)
class ZoneAdmin(_SyncsCamera):
    list_display = ("camera", "name", "updated_at")
    search_fields = ("camera__code", "name")
    raw_id_fields = ("camera",)
    list_select_related = ("camera",)


@admin.register(BehaviourRule)
class BehaviourRuleAdmin(_SyncsCamera):
    list_display = ("camera", "behaviour", "enabled", "updated_at")
    list_filter = ("behaviour", "enabled")
    search_fields = ("camera__code",)
    raw_id_fields = ("camera", "zones")
    list_select_related = ("camera",)
