from django import forms
from django.contrib import admin

from backend.audit.services import audit_record
from backend.cameras.models import Camera
from backend.cameras.services.video_sync import cameras_video_sync_on_commit
from backend.zones.models import BehaviourRule, Zone


class _SyncsCamera(admin.ModelAdmin):
    """Admin edits reach the video hosts after commit, like the API's."""

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        action = f"{obj._meta.model_name}.{'updated' if change else 'created'}"
        audit_record(actor=request.user, action=action, target=obj,
                     data={"camera": obj.camera.code, "via": "admin"})  # fmt: skip

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        """Runs after save_model on every admin save: one sync, with the M2M links in place
        (and the camera a zone or rule was moved away from, when it changed)."""
        super().save_related(request, form, formsets, change)
        codes = [form.instance.camera.code]
        previous = form.initial.get("camera")
        if change and previous and previous != form.instance.camera_id:
            codes += list(Camera.objects.filter(pk=previous).values_list("code", flat=True))
        cameras_video_sync_on_commit(codes=codes)

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


class BehaviourRuleForm(forms.ModelForm):
    """A rule may only watch zones of its own camera (the API checks the same by name)."""

    class Meta:
        model = BehaviourRule
        fields = ("camera", "behaviour", "enabled", "settings", "zones", "schedule")

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean()
        camera, zones = data.get("camera"), data.get("zones")
        if camera is not None and zones is not None:
            foreign = [z.name for z in zones if z.camera_id != camera.pk]
            if foreign:
                raise forms.ValidationError(
                    {
                        "zones": f"zones of another camera: {', '.join(sorted(foreign))}; "
                        f"pick zones of {camera.code}"
                    }
                )
        return data


@admin.register(BehaviourRule)
class BehaviourRuleAdmin(_SyncsCamera):
    form = BehaviourRuleForm
    list_display = ("camera", "behaviour", "enabled", "updated_at")
    list_filter = ("behaviour", "enabled")
    search_fields = ("camera__code",)
    raw_id_fields = ("camera", "zones")
    list_select_related = ("camera",)
