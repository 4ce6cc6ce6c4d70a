"""Views of the corridors API: routes, segments and digital-service coverage."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.limits import refusals_as_answers
from core.api.params import date_param, datetime_param, int_param
from core.layercache import CachedLayerMixin
from geo.models import DigitalServiceCategory, Node, NodeService, ServiceEvidence
from geo.services.coverage import compute_coverage

from ..models import Route, RouteMember, RouteSegment
from ..services.coverage import TREND_MAX_MONTHS, compute_route_coverage, coverage_trend
from ..services.layers import routes_json, segments_json
from ..services.routes import routes, routes_with_segments
from .filters import RouteSegmentFilter
from .serializers import RouteSegmentSerializer, RouteSerializer

ROUTE_TABLES = tuple(m._meta.db_table for m in (Route, RouteSegment, RouteMember, Node))
COVERAGE_TABLES = (
    *ROUTE_TABLES,
    *(m._meta.db_table for m in (NodeService, DigitalServiceCategory, ServiceEvidence)),
)


class RouteViewSet(CachedLayerMixin, viewsets.ReadOnlyModelViewSet):
    """Corridor routes with their ordered segments (GeoJSON, EPSG:4326)."""

    layer_tables = ROUTE_TABLES

    public_read = True  # open to anonymous reads when CW_PUBLIC_LAYERS is set

    serializer_class = RouteSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return routes_with_segments()

    def layer_json(self, request) -> str:
        """Written by PostGIS in one query (corridors.services.layers), as the serializer
        would."""
        return routes_json(self.filter_queryset(self.get_queryset()))


class RouteSegmentViewSet(CachedLayerMixin, viewsets.ReadOnlyModelViewSet):
    """Every route leg as a GeoJSON feature, for map layers (filter by route and mode)."""

    layer_tables = ROUTE_TABLES

    public_read = True  # open to anonymous reads when CW_PUBLIC_LAYERS is set

    serializer_class = RouteSegmentSerializer
    filterset_class = RouteSegmentFilter
    pagination_class = None
    queryset = RouteSegment.objects.select_related("route", "from_node", "to_node")

    def layer_json(self, request) -> str:
        """Written by PostGIS in one query (corridors.services.layers), as the serializer
        would."""
        return segments_json(self.filter_queryset(self.get_queryset()))


_node_cov = inline_serializer(
    "NodeCoverage",
    {
        "code": serializers.CharField(),
        "score": serializers.FloatField(help_text="0..1 weighted share of applicable categories"),
        "assessed": serializers.BooleanField(),
        "applicable": serializers.ListField(child=serializers.CharField()),
        "services": serializers.DictField(child=serializers.DictField()),
    },
)
_route_cov = inline_serializer(
    "RouteCoverage",
    {
        "code": serializers.CharField(),
        "score": serializers.FloatField(),
        "nodes": serializers.DictField(child=serializers.FloatField()),
        "gaps": serializers.ListField(
            child=inline_serializer(
                "CoverageGap",
                {
                    "route": serializers.CharField(),
                    "node": serializers.CharField(),
                    "category": serializers.CharField(),
                    "offered_by": serializers.ListField(child=serializers.CharField()),
                },
            )
        ),
    },
)


class CoverageView(CachedLayerMixin, APIView):
    """Digital-service coverage per node and per route, with gaps (a node lacking a service
    that a route neighbour offers)."""

    layer_tables = COVERAGE_TABLES

    public_read = True  # open to anonymous reads when CW_PUBLIC_LAYERS is set

    @extend_schema(
        parameters=[
            OpenApiParameter("route", OpenApiTypes.STR, description="Only this route"),
            OpenApiParameter("as_of", OpenApiTypes.DATETIME, description="ISO 8601, UTC"),
        ],
        responses=inline_serializer(
            "Coverage",
            {
                "as_of": serializers.DateTimeField(allow_null=True),
                "nodes": serializers.ListField(child=_node_cov),
                "routes": serializers.ListField(child=_route_cov),
            },
        ),
    )
    def get(self, request):
        return self._cached(request, lambda: self.compute(request))

    def compute(self, request):
        as_of = datetime_param(request, "as_of", None)
        code = request.query_params.get("route")
        chosen = routes(code or None)
        if code and not chosen.exists():
            raise ValidationError({"route": f"unknown route '{code}'"})
        coverage = compute_coverage(as_of=as_of)
        route_cov = compute_route_coverage(chosen, node_coverage=coverage)
        codes = set(coverage) if not code else {c for r in route_cov for c in r.nodes}
        return Response(
            {
                "as_of": as_of,
                "nodes": [asdict(coverage[c]) for c in sorted(codes)],
                "routes": [asdict(r) for r in route_cov],
            }
        )


class CoverageTrendView(CachedLayerMixin, APIView):
    """Coverage at the end of each month, by what the evidence says was in place then: the
    corridor's mean over the nodes that have evidence (the same nodes every month) and
    each route's score, as the coverage page charts them."""

    layer_tables = COVERAGE_TABLES

    public_read = True  # open to anonymous reads when CW_PUBLIC_LAYERS is set

    @extend_schema(
        parameters=[
            OpenApiParameter("route", OpenApiTypes.STR, description="Only this route"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="the last month's day"),
            OpenApiParameter("months", OpenApiTypes.INT, description="1..120, default 36"),
        ],
        responses=inline_serializer(
            "CoverageTrend",
            {
                "months": serializers.ListField(child=serializers.CharField()),
                "corridor": serializers.ListField(child=serializers.FloatField(allow_null=True)),
                "routes": serializers.DictField(
                    child=serializers.ListField(child=serializers.FloatField(allow_null=True))
                ),
            },
        ),
    )
    def get(self, request):
        return self._cached(request, lambda: self.compute(request))

    def compute(self, request):
        code = request.query_params.get("route")
        if code and not routes(code).exists():
            raise ValidationError({"route": f"unknown route '{code}'"})
        months = int_param(request, "months", 36, 1, TREND_MAX_MONTHS)
        until = date_param(request, "until", timezone.now().date())
        with refusals_as_answers("until"):
            trend = coverage_trend(code or None, until, months)
        return Response(
            {
                "months": [f"{day:%Y-%m}" for day in trend.months],
                "corridor": trend.corridor,
                "routes": trend.routes,
            }
        )
