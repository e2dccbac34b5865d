from django.urls import path

from backend.zones.api.views import RuleViewSet, ZoneViewSet

_collection = {"get": "list", "post": "create"}
_item = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("cameras/<int:camera_id>/zones/", ZoneViewSet.as_view(_collection), name="zone-list"),
    path("cameras/<int:camera_id>/zones/<int:pk>/", ZoneViewSet.as_view(_item), name="zone-detail"),
    path("cameras/<int:camera_id>/rules/", RuleViewSet.as_view(_collection), name="rule-list"),
    path("cameras/<int:camera_id>/rules/<int:pk>/", RuleViewSet.as_view(_item), name="rule-detail"),
]
