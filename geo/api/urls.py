"""Routes of the geo API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import GeofenceViewSet, NodeViewSet, ServiceCategoryViewSet, basemap_layer

router = SimpleRouter()
router.register("nodes", NodeViewSet, basename="node")
router.register("service-categories", ServiceCategoryViewSet, basename="service-category")
router.register("geofences", GeofenceViewSet, basename="geofence")

urlpatterns = [
    path("basemap/<str:layer>/", basemap_layer, name="basemap-layer"),
    *router.urls,
]
