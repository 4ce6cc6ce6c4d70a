"""Routes of the ports API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    AisStatsView,
    LiveVesselsView,
    PortCallViewSet,
    PortViewSet,
    ThroughputViewSet,
    VesselViewSet,
)

router = SimpleRouter()
router.register("throughput", ThroughputViewSet, basename="throughput")
router.register("vessels", VesselViewSet, basename="vessel")
router.register("port-calls", PortCallViewSet, basename="port-call")
router.register("ports", PortViewSet, basename="port")

urlpatterns = [
    path("ais/stats/", AisStatsView.as_view(), name="ais-stats"),
    path("ais/live/", LiveVesselsView.as_view(), name="ais-live"),
    *router.urls,
]
