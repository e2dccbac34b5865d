from django.urls import path

from backend.analytics.api.views import (
    BlindSpotsView,
    CoverageDistrictsView,
    CoverageDongsView,
    HotspotsView,
    SitesView,
)

urlpatterns = [
    path("coverage/districts/", CoverageDistrictsView.as_view(), name="coverage-districts"),
    path("coverage/dongs/", CoverageDongsView.as_view(), name="coverage-dongs"),
    path("coverage/blindspots/", BlindSpotsView.as_view(), name="coverage-blindspots"),
    path("hotspots/", HotspotsView.as_view(), name="hotspots"),
    path("planning/sites/", SitesView.as_view(), name="planning-sites"),
]
