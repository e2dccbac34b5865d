from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.common.dashboard import dashboard
from backend.common.views import healthz

api_v1 = [
    path("", include("backend.accounts.api.urls")),
    path("", include("backend.zones.api.urls")),
    path("", include("backend.cameras.api.urls")),
    path("", include("backend.alerts.api.urls")),
    path("", include("backend.analytics.api.urls")),
]

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("tiles/", include("backend.tiles.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
