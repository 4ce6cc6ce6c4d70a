"""Routes of the port-call API (included by config.api_urls)."""

from rest_framework.routers import SimpleRouter

from .views import PortCallViewSet, PortViewSet

router = SimpleRouter()
router.register("port-calls", PortCallViewSet, basename="port-call")
router.register("ports", PortViewSet, basename="port")

urlpatterns = router.urls
