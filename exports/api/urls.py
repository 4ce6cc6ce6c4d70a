"""Routes of the exports API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ExportJobViewSet, HeadlineView, LayerDownloadView

router = SimpleRouter()
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = [
    path("figures/headline/", HeadlineView.as_view(), name="headline"),
    *router.urls,
    path("exports/<str:layer>/", LayerDownloadView.as_view(), name="export-layer"),
]
