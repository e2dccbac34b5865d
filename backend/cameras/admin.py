from django.contrib.gis import admin

from backend.cameras.models import Camera, District


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
