from django.urls import path, re_path

from backend.tiles.views import TileIndexView, TileView

urlpatterns = [
    path("", TileIndexView.as_view(), name="tiles-index"),
    re_path(
        r"^(?P<layer>[A-Za-z0-9_-]+)/(?P<z>-?\d{1,9})/(?P<x>-?\d{1,12})/(?P<y>-?\d{1,12})\.pbf$",
        TileView.as_view(),
        name="tile",
    ),
]
