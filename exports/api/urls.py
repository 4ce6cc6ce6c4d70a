"""Routes of the exports API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ExportJobViewSet, LayerDownloadView

router = SimpleRouter()
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = [
    *router.urls,
    path("exports/<str:layer>/", LayerDownloadView.as_view(), name="export-layer"),
]
