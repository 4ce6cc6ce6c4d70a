"""Views of the ports API: throughput figures (read, submit, review, history)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import schemas
from core.api.errors import django_errors_as_400
from core.api.params import check_window, date_param
from core.replica import long_read
from geo.models import Node
from geo.services.nodes import find_node

from ..choices import Channel, Metric
from ..models import FIGURE_KEY, ThroughputReport
from ..services import totals
from ..services.reporting import SubmissionRefused, refusal_body, review_figure, submit_figures
from ..services.throughput import chart_months, monthly_series
from .filters import ThroughputFilter
from .serializers import FigureSubmissionSerializer, ReviewSerializer, ThroughputSerializer

# The longest period a total may span (days): the figures' whole history fits.
MAX_TOTAL_DAYS = 366 * 40


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

    @long_read
    def list(self, request, *args, **kwargs):
        # (a history endpoint: the read replica's when one is set; see core.replica)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=FigureSubmissionSerializer,
        responses={201: ThroughputSerializer(many=True), 400: schemas.figure_refusal()},
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

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str, enum=Metric.values, description="default teu"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="default: last year's 1 Jan"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="default: last year's 31 Dec"),
            OpenApiParameter(
                "node", str, many=True, description="node codes (default: the port nodes)"
            ),
        ],
        responses={(200, "application/json"): schemas.throughput_totals()},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    @long_read
    def totals(self, request):
        """The total of a metric over a period, counted by the rules every page and export
        uses (README, "How figures are counted"): what it covers (months, nodes, a group
        standing for its members, partial or not), its qualifier and sources, each node's
        own total, and like-for-like comparisons with the previous period and last year."""
        metric = request.query_params.get("metric", Metric.TEU)
        if metric not in Metric.values:
            raise ValidationError({"metric": f"one of {', '.join(Metric.values)}"})
        year = timezone.now().year - 1
        start = date_param(request, "start", date(year, 1, 1))
        end = date_param(request, "end", date(year, 12, 31))
        check_window(start, end, MAX_TOTAL_DAYS)
        codes = request.query_params.getlist("node")
        node_ids = None
        if codes:
            found = dict(Node.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = sorted(set(codes) - set(found))
            if unknown:
                raise ValidationError({"node": f"unknown node: {', '.join(unknown[:5])}"})
            node_ids = list(found.values())
        figure = totals.period_figure(metric, start, end, node_ids)
        nodes = Node.objects.filter(pk__in=node_ids or totals.port_node_ids())
        own = totals.node_totals(metric, start, end, nodes)
        return Response(
            {
                **total_json(figure.now),
                "previous": total_json(figure.previous),
                "last_year": total_json(figure.last_year),
                "vs_previous": comparison_json(figure.vs_previous),
                "vs_last_year": comparison_json(figure.vs_last_year),
                "per_node": [total_json(own[code], code) for code in sorted(own)],
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("node", str, required=True, description="a node code"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="default: 12 months ago"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="default: last month"),
        ],
        responses=inline_serializer(
            "MonthlyThroughput",
            {
                "node": serializers.CharField(),
                "months": serializers.ListField(child=serializers.CharField()),
                "official": serializers.ListField(child=serializers.FloatField(allow_null=True)),
                "pending": serializers.ListField(child=serializers.FloatField(allow_null=True)),
                "ais": serializers.ListField(child=serializers.FloatField(allow_null=True)),
            },
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    @long_read
    def monthly(self, request):
        """A node's container throughput (TEU) month by month, as its chart shows it: its
        own official total, its figure pending review, and for a watched port the AIS
        estimate of months AIS covered whole (null where there is none). The whole months
        of [start, end], the latest 36 of them; default the last twelve full months."""
        node = find_node(request.query_params.get("node"))
        if node is None:
            raise ValidationError({"node": "a known node code"})
        start = date_param(request, "start", None)
        end = date_param(request, "end", None)
        if start is not None and end is not None:
            check_window(start, end, MAX_TOTAL_DAYS)
        series = monthly_series(node, chart_months(start, end))
        return Response(
            {
                "node": node.code,
                "months": [f"{m:%Y-%m}" for m in series.months],
                "official": series.official,
                "pending": series.pending,
                "ais": series.ais,
            }
        )

    @extend_schema(responses=ThroughputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    @long_read
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


def total_json(figure: totals.Total, node: str | None = None) -> dict[str, Any]:
    """A total as the API gives it (the service's figure, mapped only)."""
    return {
        **({"node": node} if node else {}),
        "start": figure.first,
        "end": figure.last,
        "value": figure.number,
        "qualifier": figure.qualifier,
        "partial": figure.partial,
        "months": [f"{m:%Y-%m}" for m in figure.months],
        "covers": figure.covers_text(),
        "nodes": list(figure.nodes),
        "covered_by": figure.covered_by,
        "sources": list(figure.sources),
        "parts": [
            {
                "id": p.id,
                "node": p.node,
                "start": p.start,
                "end": p.end,
                "value": float(p.value),
                "qualifier": p.qualifier,
                "source": p.source,
                "stands_for": list(p.stands_for),
            }
            for p in figure.parts
        ],
    }


def comparison_json(verdict: totals.Comparison) -> dict[str, Any]:
    return {"change": verdict.change, "qualifier": verdict.qualifier, "reason": verdict.reason}
