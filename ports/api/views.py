"""Views of the ports API."""

from rest_framework import viewsets

from ..models import ThroughputReport
from .filters import ThroughputFilter
from .serializers import ThroughputSerializer


class ThroughputViewSet(viewsets.ReadOnlyModelViewSet):
    """Throughput figures (read-only here): published, operator and estimated values."""

    serializer_class = ThroughputSerializer
    filterset_class = ThroughputFilter
    queryset = (
        ThroughputReport.objects.effective()
        .select_related("node")
        .order_by("node__code", "metric", "-period_end", "id")
    )
