"""Views of the ports API: throughput, vessels, tracks and AIS ingest statistics."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.pagination import GeoJsonPagination

from core.api.errors import django_errors_as_400
from core.api.filters import BBoxFilter
from core.api.limits import refusals_as_answers
from core.api.pagination import page_of
from core.api.params import check_window, date_param, datetime_param, float_values, int_param
from core.limits import cached

from ..choices import Channel
from ..models import (
    FIGURE_KEY,
    RULE_LIMITS,
    AisIngestRun,
    AisSource,
    PortCall,
    PortCallRecompute,
    ThroughputReport,
    Vessel,
    VesselLatest,
)
from ..services import layers
from ..services.metrics import (
    DEFAULT_VARIANTS,
    TooMuchWork,
    guarded_port_metrics,
    guarded_sensitivity,
)
from ..services.portcalls import update_rule, watched_ports
from ..services.reporting import SubmissionRefused, refusal_body, review_figure, submit_figures
from .filters import PortCallFilter, ThroughputFilter, VesselLatestFilter
from .serializers import (
    AisSourceSerializer,
    DetectionRuleSerializer,
    FigureSubmissionSerializer,
    PortCallSerializer,
    ReviewSerializer,
    ThroughputSerializer,
    VesselLatestSerializer,
    VesselSerializer,
)

# Caps on what one request may ask for (days), and how long its queries may run.
MAX_TRACK_DAYS = 31
MAX_METRICS_DAYS = 366
MAX_SENSITIVITY_DAYS = 31
LIVE_CACHE_S = 3


class ThroughputViewSet(viewsets.ReadOnlyModelViewSet):
    """Throughput figures: the official ones (published, approved). `?status=submitted`
    lists figures waiting for review. POST (operators, for their nodes; token or session):
    a batch of figures, stored whole or refused whole with every row's errors."""

    serializer_class = ThroughputSerializer
    filterset_class = ThroughputFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        shown = ThroughputReport.objects.select_related("node")
        if self.request.query_params.getlist("status"):
            shown = shown.filter(current=True)  # the status filter picks among the last words
        else:
            shown = shown.effective()
        return shown.order_by("node__code", "metric", "-period_end", "id")

    @extend_schema(
        request=FigureSubmissionSerializer,
        responses={201: ThroughputSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )
    def create(self, request):
        incoming = FigureSubmissionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        numbered = [
            (number, {k: str(v) for k, v in figure.items()})
            for number, figure in enumerate(data["figures"], start=1)
        ]
        try:
            batch, _plan = submit_figures(
                request.user, numbered, Channel.API, confirm_warnings=data["confirm_warnings"]
            )
        except SubmissionRefused as refused:
            code = 409 if refused.conflict else 403 if refused.plan.forbidden else 400
            return Response(refusal_body(refused.plan), status=code)
        stored = ThroughputReport.objects.filter(upload=batch).select_related("node")
        return Response(ThroughputSerializer(stored, many=True).data, status=201)

    @extend_schema(responses=ThroughputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """Every revision of this figure's key, oldest first: who reported what, when and
        why, and who reviewed it."""
        try:
            figure_id = int(pk or "")
        except ValueError as exc:
            raise ValidationError({"id": "a figure id"}) from exc
        figure = ThroughputReport.objects.filter(pk=figure_id).first()
        if figure is None:
            raise NotFound()
        key = {name: getattr(figure, name) for name in FIGURE_KEY}
        revisions = (
            ThroughputReport.objects.filter(**key)
            .select_related("node")
            .order_by("revision", "created_at")
        )
        return Response(ThroughputSerializer(revisions, many=True).data)

    @extend_schema(request=ReviewSerializer, responses=ThroughputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def review(self, request, pk=None):
        """Approve or reject a submitted figure (officials): `decision` approve or reject,
        `comment` (required to reject) goes back to the operator."""
        incoming = ReviewSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            figure_id = int(pk or "")
        except ValueError as exc:
            raise ValidationError({"id": "a figure id"}) from exc
        with django_errors_as_400():
            report = review_figure(
                figure_id,
                request.user,
                approve=incoming.validated_data["decision"] == "approve",
                comment=incoming.validated_data["comment"],
            )
        return Response(ThroughputSerializer(report).data)


class VesselPagination(GeoJsonPagination):
    page_size = 5000
    max_page_size = 20000
    page_size_query_param = "page_size"


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
        end = datetime_param(request, "end", timezone.now())
        start = datetime_param(request, "start", end - timedelta(hours=24))
        check_window(start, end, MAX_TRACK_DAYS)
        return HttpResponse(
            layers.track_json(int(mmsi), start, end), content_type="application/json"
        )


class LiveVesselsView(APIView):
    """The live vessel layer as the map draws it (compact GeoJSON: `g` ship type group,
    `sog` kn, `dir` degrees, `ts` unix seconds): vessels seen within `?within=` minutes
    (default 60, at most a day). Fetched by URL, so the map's callbacks stay small."""

    @extend_schema(
        parameters=[OpenApiParameter("within", int, description="minutes, 1-1440")],
        responses=OpenApiTypes.OBJECT,
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
        totals = AisSource.objects.aggregate(
            positions=Sum("positions"), last=Max("last_message_at")
        )
        runs = AisIngestRun.objects.exclude(sources="").order_by("-started_at")[:10]
        staff = request.user.is_superuser
        recomputes = dict(
            PortCallRecompute.objects.values_list("state").annotate(n=Count("id")).order_by()
        )
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
                        "sources": r.sources if staff else "",
                        "counts": r.counts,
                    }
                    for r in runs
                ],
                "recomputes": recomputes,
            }
        )


class PortCallViewSet(viewsets.ReadOnlyModelViewSet):
    """Official port calls (made with each port's current rule)."""

    queryset = PortCall.objects.select_related("vessel", "node", "rule").order_by(
        "-arrival_at", "stable_id"
    )
    serializer_class = PortCallSerializer
    filterset_class = PortCallFilter
    lookup_field = "stable_id"


class PortViewSet(viewsets.GenericViewSet):
    """Per-port detection rules, metrics and sensitivity (ports with a port-limit fence)."""

    queryset = watched_ports()
    write_permissions = ["ports.change_detectionrule"]
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
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def metrics(self, request, code=None):
        """Daily arrivals, departures, calls by ship type, median time in port and
        anchorage wait, the anchorage queue, against a rolling baseline."""
        node = self.get_object()
        end = date_param(request, "end", timezone.now().date())
        start = date_param(request, "start", end - timedelta(days=7))
        check_window(start, end, MAX_METRICS_DAYS)
        days = int_param(request, "baseline_days", 28, 1, 365)
        with refusals_as_answers():
            body = guarded_port_metrics(node, start, end, days, user_id=request.user.pk)
        return Response(body)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME),
            OpenApiParameter("end", OpenApiTypes.DATETIME),
            OpenApiParameter("speed_kn", OpenApiTypes.FLOAT, many=True),
            OpenApiParameter("min_stay_s", OpenApiTypes.INT, many=True),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def sensitivity(self, request, code=None):
        """Call counts for alternative speed thresholds and minimum stays, beside the
        official rule's (nothing is stored)."""
        node = self.get_object()
        end = datetime_param(request, "end", timezone.now())
        start = datetime_param(request, "start", end - timedelta(days=7))
        check_window(start, end, MAX_SENSITIVITY_DAYS)
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
