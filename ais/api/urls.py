"""Routes of the AIS API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AisStatsView, LiveVesselsView, VesselViewSet

router = SimpleRouter()
router.register("vessels", VesselViewSet, basename="vessel")

urlpatterns = [
    path("ais/stats/", AisStatsView.as_view(), name="ais-stats"),
    path("ais/live/", LiveVesselsView.as_view(), name="ais-live"),
    *router.urls,
]
