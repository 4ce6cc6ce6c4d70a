"""Views of the port-call API: calls, and per port its rules, metrics and sensitivity."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import schemas
from core.api.errors import django_errors_as_400
from core.api.limits import refusals_as_answers
from core.api.pagination import BoundedLimitOffsetPagination
from core.api.params import date_param, datetime_param, float_values, int_param
from core.replica import long_read

from ..models import RULE_LIMITS
from ..services.calls import calls_arriving, port_calls, update_rule, watched_ports
from ..services.metrics import (
    DEFAULT_VARIANTS,
    TooMuchWork,
    guarded_port_metrics,
    guarded_sensitivity,
)
from .filters import PortCallFilter
from .serializers import DetectionRuleSerializer, PortCallSerializer, PortCallTableSerializer


class PortCallViewSet(viewsets.ReadOnlyModelViewSet):
    """Official port calls (made with each port's current rule)."""

    queryset = port_calls()
    serializer_class = PortCallSerializer
    filterset_class = PortCallFilter
    lookup_field = "stable_id"


class PortViewSet(viewsets.GenericViewSet):
    """Per-port detection rules, metrics and sensitivity (ports with a port-limit fence)."""

    queryset = watched_ports()
    write_permissions = ["portcalls.change_detectionrule"]
    lookup_field = "code"
    serializer_class = DetectionRuleSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(responses=DetectionRuleSerializer(many=True), request=DetectionRuleSerializer)
    @action(detail=True, methods=["get", "post"])
    def rules(self, request, code=None):
        """The current rule first, then the earlier versions. POST (staff) saves a new
        version; calls made before keep the version that made them."""
        node = self.get_object()
        if request.method == "POST":
            serializer = DetectionRuleSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            with django_errors_as_400():
                update_rule(node, user=request.user, **serializer.validated_data)
        rows = node.detection_rules.order_by("-version")
        return Response(DetectionRuleSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="default: 7 days ago"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="default: today"),
            OpenApiParameter("baseline_days", OpenApiTypes.INT, description="default 28"),
        ],
        responses={(200, "application/json"): schemas.port_metrics()},
    )
    @action(detail=True, methods=["get"])
    @long_read
    def metrics(self, request, code=None):
        """Daily arrivals, departures, calls by ship type, median time in port and
        anchorage wait, the anchorage queue, against a rolling baseline."""
        node = self.get_object()
        end = date_param(request, "end", timezone.now().date())
        start = date_param(request, "start", end - timedelta(days=7))
        days = int_param(request, "baseline_days", 28, 1, 365)
        with refusals_as_answers():
            body = guarded_port_metrics(node, start, end, days, user_id=request.user.pk)
        return Response(body)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first arrival day (UTC)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last arrival day, included"),
            OpenApiParameter("limit", OpenApiTypes.INT),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses=PortCallTableSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=BoundedLimitOffsetPagination)
    @long_read
    def calls(self, request, code=None):
        """The port page's table of calls: those arriving on the days [from, to] (default
        the last 7), newest first, with the anchorage wait and time in port in hours."""
        node = self.get_object()
        last = date_param(request, "to", timezone.now().date())
        first = date_param(request, "from", last - timedelta(days=6))
        if first > last:
            raise ValidationError({"from": "after `to`"})
        page = self.paginate_queryset(calls_arriving(node, first, last))
        return self.get_paginated_response(PortCallTableSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME),
            OpenApiParameter("end", OpenApiTypes.DATETIME),
            OpenApiParameter("speed_kn", OpenApiTypes.FLOAT, many=True),
            OpenApiParameter("min_stay_s", OpenApiTypes.INT, many=True),
        ],
        responses={(200, "application/json"): schemas.port_sensitivity()},
    )
    @action(detail=True, methods=["get"])
    @long_read
    def sensitivity(self, request, code=None):
        """Call counts for alternative speed thresholds and minimum stays, beside the
        official rule's (nothing is stored)."""
        node = self.get_object()
        end = datetime_param(request, "end", timezone.now())
        start = datetime_param(request, "start", end - timedelta(days=7))
        speeds = float_values(request, "speed_kn", *RULE_LIMITS["speed_kn"], most=6)
        stays = float_values(request, "min_stay_s", *RULE_LIMITS["min_stay_s"], most=6)
        variants = [{"speed_kn": v} for v in speeds] + [{"min_stay_s": v} for v in stays]
        variants = variants or DEFAULT_VARIANTS
        with refusals_as_answers():
            try:
                rows = guarded_sensitivity(node, start, end, variants, user_id=request.user.pk)
            except TooMuchWork as exc:
                raise ValidationError({"end": str(exc)}) from exc
        return Response({"port": node.code, "start": start, "end": end, "variants": rows})
