"""Routes of the alerts API (included by config.api_urls)."""

from rest_framework.routers import SimpleRouter

from .views import AlertViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
urlpatterns = router.urls
