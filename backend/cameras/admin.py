from django.contrib.gis import admin

from backend.cameras.models import Camera, District
from backend.cameras.services.video_sync import cameras_video_sync_on_commit


@admin.register(District)
class DistrictAdmin(admin.GISModelAdmin):
    list_display = ("code", "name_ko", "name_en", "area_km2", "source")
    search_fields = ("code", "name_ko", "name_en")


@admin.register(Camera)
class CameraAdmin(admin.GISModelAdmin):
    list_display = ("code", "district", "kind", "has_ai", "status", "rollout_stage", "last_seen_at")
    list_filter = ("status", "kind", "has_ai", "rollout_stage", "district")
    search_fields = ("code", "address")
    list_select_related = ("district",)
    show_full_result_count = False
    gis_widget_kwargs = {
        "attrs": {"default_lon": 126.978, "default_lat": 37.566, "default_zoom": 12}
    }

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        cameras_video_sync_on_commit(codes=[obj.code])

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        cameras_video_sync_on_commit(codes=[obj.code])
        super().delete_model(request, obj)
