"""The REST API's routes (kebab-case plurals)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from corridors.api.views import CoverageView, RouteSegmentViewSet, RouteViewSet
from geo.api.views import GeofenceViewSet, NodeViewSet, ServiceCategoryViewSet, basemap_layer
from ports.api.views import (
    AisStatsView,
    PortCallViewSet,
    PortViewSet,
    ThroughputViewSet,
    VesselViewSet,
)

router = DefaultRouter()
router.register("nodes", NodeViewSet, basename="node")
router.register("service-categories", ServiceCategoryViewSet, basename="service-category")
router.register("routes", RouteViewSet, basename="route")
router.register("route-segments", RouteSegmentViewSet, basename="route-segment")
router.register("throughput", ThroughputViewSet, basename="throughput")
router.register("vessels", VesselViewSet, basename="vessel")
router.register("port-calls", PortCallViewSet, basename="port-call")
router.register("ports", PortViewSet, basename="port")
router.register("geofences", GeofenceViewSet, basename="geofence")

urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("basemap/<str:layer>/", basemap_layer, name="basemap-layer"),
    path("ais/stats/", AisStatsView.as_view(), name="ais-stats"),
    *router.urls,
]
