"""Routes of the rail API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    DcsaCallbackView,
    NodeRailTeuView,
    PortTransferView,
    RailEventViewSet,
    RouteKpiView,
    TrainViewSet,
)

router = SimpleRouter()
router.register("trains", TrainViewSet, basename="train")
router.register("rail-events", RailEventViewSet, basename="rail-event")

urlpatterns = [
    path("routes/<str:code>/kpis/", RouteKpiView.as_view(), name="route-kpis"),
    path("nodes/<str:code>/rail-teu/", NodeRailTeuView.as_view(), name="node-rail-teu"),
    path("ports/<str:code>/transfer/", PortTransferView.as_view(), name="port-transfer"),
    path(
        "dcsa/callbacks/<uuid:subscription_id>/",
        DcsaCallbackView.as_view(),
        name="dcsa-callback",
    ),
    *router.urls,
]
