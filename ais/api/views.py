"""Views of the AIS API: vessels, tracks, the live layer and ingest statistics."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import schemas
from core.api.filters import BBoxFilter
from core.api.limits import refusals_as_answers
from core.api.pagination import GeoJsonPagination, page_of
from core.api.params import datetime_param, int_param
from core.limits import cached
from core.replica import long_read

from ..models import AisIngestRun, AisSource, VesselLatest
from ..services import layers, stats
from ..services.vessels import SEARCH_MAX, find_vessel, search_vessels
from .filters import VesselLatestFilter
from .serializers import AisSourceSerializer, VesselLatestSerializer, VesselSerializer

# How long the live layer is reused (s).
LIVE_CACHE_S = 3


class VesselPagination(GeoJsonPagination):
    """`?limit=` (default 5,000, at most 20,000) and `?offset=`."""

    default_limit = 5000
    max_limit = 20000


class VesselViewSet(viewsets.ReadOnlyModelViewSet):
    """Live vessels: the newest position of each (GeoJSON); `/<mmsi>/` static data;
    `/<mmsi>/track/` the track."""

    queryset = VesselLatest.objects.vessels().select_related("vessel").order_by("vessel_id")
    serializer_class = VesselLatestSerializer
    filterset_class = VesselLatestFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, BBoxFilter]
    bbox_filter_field = "geom"
    pagination_class = VesselPagination
    lookup_field = "mmsi"
    lookup_value_regex = r"\d{1,9}"

    def list(self, request, *args, **kwargs):
        """The page written by PostGIS in one query (core.geojson): the same features the
        serializer writes (a test compares them), without a Python object per vessel."""
        if request.accepted_renderer.format != "json":
            return super().list(request, *args, **kwargs)
        rows, members = page_of(self.paginator, self.filter_queryset(self.get_queryset()), request)
        body = layers.vessels_json(rows, **members)
        return HttpResponse(body, content_type="application/json")

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="name, MMSI (its start) or IMO"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..20, default 10"),
        ],
        responses=VesselSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def search(self, request):
        """Vessels by name (any part, any case), MMSI (its first digits) or IMO number, the
        latest seen first; fewer than two characters find nothing."""
        limit = int_param(request, "limit", 10, 1, SEARCH_MAX)
        found = search_vessels(request.query_params.get("q", ""), limit)
        return Response(VesselSerializer(found, many=True).data)

    @extend_schema(responses=VesselSerializer)
    def retrieve(self, request, mmsi=None):
        vessel = find_vessel(mmsi)
        if vessel is None:
            raise Http404
        return Response(VesselSerializer(vessel).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="default: end - 24 h"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="default: now"),
        ],
        responses={
            (200, "application/json"): schemas.feature_collection(
                "VesselTrack", schemas.track_properties
            )
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    @long_read
    def track(self, request, mmsi=None):
        """The track as a GeoJSON FeatureCollection: one LineString feature (the path in
        time order) followed by a Point feature per position (time, speed, course)."""
        if find_vessel(mmsi) is None:
            raise Http404
        end = datetime_param(request, "end", timezone.now())
        start = datetime_param(request, "start", end - timedelta(hours=24))
        with refusals_as_answers():
            body = layers.track_json(int(mmsi), start, end)
        return HttpResponse(body, content_type="application/json")


class LiveVesselsView(APIView):
    """The live vessel layer as the map draws it (compact GeoJSON: `g` ship type group,
    `sog` kn, `dir` degrees, `ts` unix seconds): vessels seen within `?within=` minutes
    (default 60, at most a day). Fetched by URL, so the map's callbacks stay small."""

    @extend_schema(
        parameters=[OpenApiParameter("within", int, description="minutes, 1-1440")],
        responses=schemas.feature_collection("LiveVessels", schemas.live_vessel_properties),
    )
    def get(self, request):
        within = int_param(request, "within", 60, 1, 1440)
        # Every map asks for the same layer every 10 s: one worker process writes it once
        # per LIVE_CACHE_S, however many maps are open (the feed reports every few seconds).
        body = cached(
            "live-vessels", {"within": within}, LIVE_CACHE_S, lambda: layers.live_json(within)
        )
        response = HttpResponse(body, content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response


class AisStatsView(APIView):
    """AIS ingest health: counters and last message time per source, the latest runs, and
    the port-call recomputes late positions queued. What a run read (file paths, feed
    addresses) is shown to administrators only."""

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
                "recomputes": serializers.DictField(child=serializers.IntegerField()),
            },
        )
    )
    def get(self, request):
        positions, last = stats.received_totals()
        runs = AisIngestRun.objects.exclude(sources="").order_by("-started_at")[:10]
        staff = request.user.is_superuser
        return Response(
            {
                "vessels": VesselLatest.objects.count(),
                "vessels_seen_last_hour": layers.vessels_seen(60)[0],
                "last_message_at": last,
                "positions_total": positions,
                "sources": AisSourceSerializer(AisSource.objects.order_by("name"), many=True).data,
                "runs": [
                    {
                        "started_at": r.started_at,
                        "finished_at": r.finished_at,
                        "sources": r.sources if staff else "",
                        "counts": r.counts,
                    }
                    for r in runs
                ],
                "recomputes": stats.recomputes_by_state(),
            }
        )
