"""Routes of the corridors API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CoverageView, RouteSegmentViewSet, RouteViewSet

router = SimpleRouter()
router.register("routes", RouteViewSet, basename="route")
router.register("route-segments", RouteSegmentViewSet, basename="route-segment")

urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    *router.urls,
]
