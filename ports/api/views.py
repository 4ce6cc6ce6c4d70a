"""Views of the ports API: throughput, vessels, tracks and AIS ingest statistics."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.pagination import GeoJsonPagination

from geo.api.filters import BBoxFilter

from ..models import AisIngestRun, AisSource, ThroughputReport, Vessel, VesselLatest
from ..services import vessel_track
from .filters import ThroughputFilter, VesselLatestFilter
from .serializers import (
    AisSourceSerializer,
    ThroughputSerializer,
    VesselLatestSerializer,
    VesselSerializer,
)


class ThroughputViewSet(viewsets.ReadOnlyModelViewSet):
    """Throughput figures (read-only here): published, operator and estimated values."""

    serializer_class = ThroughputSerializer
    filterset_class = ThroughputFilter
    queryset = (
        ThroughputReport.objects.effective()
        .select_related("node")
        .order_by("node__code", "metric", "-period_end", "id")
    )


class VesselPagination(GeoJsonPagination):
    page_size = 5000
    max_page_size = 20000
    page_size_query_param = "page_size"


def _time_param(request, name: str, default):
    raw = request.query_params.get(name)
    if not raw:
        return default
    value = parse_datetime(raw)
    if value is None or value.tzinfo is None:
        raise ValidationError({name: "an ISO 8601 date-time with a time zone"})
    return value


class VesselViewSet(viewsets.ReadOnlyModelViewSet):
    """Live vessels: the newest position of each (GeoJSON); `/<mmsi>/` static data;
    `/<mmsi>/track/` the track."""

    queryset = VesselLatest.objects.select_related("vessel").order_by("vessel_id")
    serializer_class = VesselLatestSerializer
    filterset_class = VesselLatestFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, BBoxFilter]
    bbox_filter_field = "geom"
    pagination_class = VesselPagination
    lookup_field = "mmsi"
    lookup_value_regex = r"\d{1,9}"

    @extend_schema(responses=VesselSerializer)
    def retrieve(self, request, mmsi=None):
        vessel = get_object_or_404(Vessel.objects.select_related("latest"), mmsi=mmsi)
        return Response(VesselSerializer(vessel).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="default: end - 24 h"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="default: now"),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def track(self, request, mmsi=None):
        """The track as a GeoJSON FeatureCollection: one LineString feature (the path in
        time order) followed by a Point feature per position (time, speed, course)."""
        get_object_or_404(Vessel, mmsi=mmsi)
        end = _time_param(request, "end", timezone.now())
        start = _time_param(request, "start", end - timedelta(hours=24))
        if start > end:
            raise ValidationError({"start": "start is after end"})
        return Response(vessel_track(int(mmsi), start, end))


class AisStatsView(APIView):
    """AIS ingest health: counters and last message time per source, the latest runs."""

    @extend_schema(
        responses=inline_serializer(
            "AisStats",
            {
                "vessels": serializers.IntegerField(),
                "vessels_seen_last_hour": serializers.IntegerField(),
                "last_message_at": serializers.DateTimeField(allow_null=True),
                "positions_total": serializers.IntegerField(),
                "sources": AisSourceSerializer(many=True),
                "runs": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request):
        totals = AisSource.objects.aggregate(
            positions=Sum("positions"), last=Max("last_message_at")
        )
        runs = AisIngestRun.objects.exclude(sources="").order_by("-started_at")[:10]
        return Response(
            {
                "vessels": VesselLatest.objects.count(),
                "vessels_seen_last_hour": VesselLatest.objects.seen_within(60).count(),
                "last_message_at": totals["last"],
                "positions_total": totals["positions"] or 0,
                "sources": AisSourceSerializer(AisSource.objects.order_by("name"), many=True).data,
                "runs": [
                    {
                        "started_at": r.started_at,
                        "finished_at": r.finished_at,
                        "sources": r.sources,
                        "counts": r.counts,
                    }
                    for r in runs
                ],
            }
        )
