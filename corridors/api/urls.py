"""Routes of the corridors API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CoverageTrendView, CoverageView, RouteSegmentViewSet, RouteViewSet

router = SimpleRouter()
router.register("routes", RouteViewSet, basename="route")
router.register("route-segments", RouteSegmentViewSet, basename="route-segment")

urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("coverage/trend/", CoverageTrendView.as_view(), name="coverage-trend"),
    *router.urls,
]
