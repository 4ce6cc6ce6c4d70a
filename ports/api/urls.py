"""Routes of the ports API (included by config.api_urls)."""

from rest_framework.routers import SimpleRouter

from .views import ThroughputViewSet

router = SimpleRouter()
router.register("throughput", ThroughputViewSet, basename="throughput")

urlpatterns = router.urls
