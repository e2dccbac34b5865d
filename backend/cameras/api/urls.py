from rest_framework.routers import SimpleRouter

from backend.cameras.api.views import CameraViewSet, DistrictViewSet

router = SimpleRouter()
router.register("cameras", CameraViewSet, basename="camera")
router.register("districts", DistrictViewSet, basename="district")
urlpatterns = router.urls
