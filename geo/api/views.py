"""Views of the geo API: thin (queryset + serializer + filters)."""

from __future__ import annotations

from email.utils import format_datetime

from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.api import schemas
from core.api.errors import django_errors_as_400
from core.api.filters import BBoxFilter
from core.api.limits import refusals_as_answers
from core.api.pagination import GeoJsonPagination, page_of
from core.api.params import date_param, int_param
from core.layercache import CachedLayerMixin, not_modified

from ..choices import BasemapLayerName
from ..models import (
    DigitalServiceCategory,
    Geofence,
    Node,
    NodeService,
    ServiceEvidence,
)
from ..services import coverage as coverage_services
from ..services.basemap import find_layer, layer_geojson, political_shown, shown_layers
from ..services.coverage import compute_coverage
from ..services.geofences import create_geofence, fences, update_geofence
from ..services.layers import fences_json, node_figures, nodes_json
from ..services.nodes import nodes
from .extensions import node_context, node_tables
from .filters import NodeFilter
from .serializers import (
    EvidenceSerializer,
    GeofenceSerializer,
    NodeDetailSerializer,
    NodeSerializer,
    ServiceCategorySerializer,
)


class NodePagination(GeoJsonPagination):
    """`?limit=` (default 500, at most 5,000) and `?offset=`."""

    default_limit = 500
    max_limit = 5000


NODE_TABLES = (
    Node._meta.db_table,
    NodeService._meta.db_table,
    DigitalServiceCategory._meta.db_table,
    ServiceEvidence._meta.db_table,
)


class NodeViewSet(CachedLayerMixin, viewsets.ReadOnlyModelViewSet):
    """Corridor nodes as a GeoJSON FeatureCollection (EPSG:4326, lon/lat). The list has an
    ETag: a client sending it back gets 304 while nothing it shows has changed."""

    @property
    def layer_tables(self) -> tuple[str, ...]:  # type: ignore[override]
        """geo's own tables and those other apps' node figures read (geo.api.extensions)."""
        return (*NODE_TABLES, *node_tables())

    public_read = True  # open to anonymous reads when CW_PUBLIC_LAYERS is set

    lookup_field = "code"
    filterset_class = NodeFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, BBoxFilter]
    bbox_filter_field = "geom"
    pagination_class = NodePagination

    def get_queryset(self):
        return nodes()

    def get_serializer_class(self):
        return NodeDetailSerializer if self.action == "retrieve" else NodeSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("months", OpenApiTypes.INT, description="1..120, default 36"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="the last month's day"),
        ],
        responses=inline_serializer(
            "CoverageHistory",
            {
                "node": serializers.CharField(),
                "months": serializers.ListField(
                    child=inline_serializer(
                        "CoverageMonth",
                        {
                            "month": serializers.CharField(),
                            "day": serializers.DateField(),
                            "score": serializers.FloatField(allow_null=True),
                        },
                    )
                ),
            },
        ),
        filters=False,
    )
    @action(detail=True, url_path="coverage-history", pagination_class=None)
    def coverage_history(self, request, code=None):
        """The node's coverage score at the end of each month, by what the evidence says
        was in place then (null before any evidence): the node page's chart."""
        node = self.get_object()
        months = int_param(request, "months", 36, 1, coverage_services.HISTORY_MAX_MONTHS)
        until = date_param(request, "until", timezone.now().date())
        with refusals_as_answers("until"):
            points = coverage_services.coverage_history(node, months, until)
        return Response(
            {
                "node": node.code,
                "months": [
                    {"month": f"{day:%Y-%m}", "day": day, "score": score} for day, score in points
                ],
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("until", OpenApiTypes.DATE, description="statements made by"),
        ],
        responses=EvidenceSerializer(many=True),
        filters=False,
    )
    @action(detail=True, pagination_class=None)
    def evidence(self, request, code=None):
        """The dated, sourced statements about the node's digital services, newest first
        (low-confidence ones included: they are shown as unverified, never scored)."""
        node = self.get_object()
        until = date_param(request, "until", timezone.now().date())
        rows = coverage_services.node_evidence(node.code, until)
        return Response(EvidenceSerializer(rows, many=True).data)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["coverage"] = compute_coverage()
        context.update(node_context())
        return context

    def layer_json(self, request) -> str:
        """The page written by PostGIS in one query (geo.services.layers): the features
        the serializer writes (a test compares them)."""
        rows, members = page_of(self.paginator, self.filter_queryset(self.get_queryset()), request)
        return nodes_json(rows, node_figures(compute_coverage(), node_context()), **members)


class ServiceCategoryViewSet(CachedLayerMixin, viewsets.ReadOnlyModelViewSet):
    """The digital-service categories scored in coverage."""

    layer_tables = (DigitalServiceCategory._meta.db_table,)

    public_read = True  # open to anonymous reads when CW_PUBLIC_LAYERS is set

    serializer_class = ServiceCategorySerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return coverage_services.categories()


@extend_schema(
    responses={
        (200, "application/geo+json"): schemas.feature_collection(
            "BasemapLayer", schemas.basemap_properties
        )
    }
)
@api_view(["GET"])
@permission_classes([AllowAny])
def basemap_layer(request, layer: str):
    """One layer of the offline basemap as a GeoJSON FeatureCollection (EPSG:4326). The
    political layers follow China's point of view; where the deployer draws none
    (CW_POLITICAL_LAYERS=none) they are not served either."""
    served = [*shown_layers(), *(["countries"] if political_shown() else [])]
    if layer not in BasemapLayerName.values or layer not in served:
        raise Http404
    record = find_layer(layer)
    if record is None:
        raise Http404
    etag = f'"{record.checksum[:16]}"'
    if not_modified(request, etag):
        response = HttpResponse(status=304)
        response["ETag"] = etag
        response["Last-Modified"] = format_datetime(record.loaded_at, usegmt=True)
        return response
    body = layer_geojson(layer)
    response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    response["Last-Modified"] = format_datetime(record.loaded_at, usegmt=True)
    response["Cache-Control"] = "public, max-age=3600"
    return response


class GeofenceViewSet(CachedLayerMixin, viewsets.ModelViewSet):
    """Port limits, berth areas and anchorages (GeoJSON). `?node=` filters; `?all=1`
    includes past versions. Creating or editing a fence needs the permission to; an edit
    saves a new version of every field given, the old one is kept."""

    serializer_class = GeofenceSerializer
    pagination_class = None
    layer_tables = (Geofence._meta.db_table, Node._meta.db_table)
    filterset_fields = ["kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        return fences(params.get("node") or None, with_past=params.get("all") == "1")

    def layer_json(self, request) -> str:
        """Written by PostGIS in one query (geo.services.layers), as the serializer would."""
        return fences_json(self.filter_queryset(self.get_queryset()))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        node = data.pop("node")
        with django_errors_as_400():
            serializer.instance = create_geofence(node, data)

    def perform_update(self, serializer):
        fence = serializer.instance
        data = dict(serializer.validated_data)
        node = data.pop("node", fence.node)
        if node != fence.node:
            raise ValidationError({"node": ["a fence belongs to its port: draw a new one"]})
        if fence.valid_to is not None:
            raise ValidationError({"valid_to": ["a past version cannot be edited"]})
        with django_errors_as_400():
            serializer.instance = update_geofence(fence, data)
