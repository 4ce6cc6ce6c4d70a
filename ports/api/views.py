"""Views of the ports API: throughput figures (read, submit, review, history)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.errors import django_errors_as_400

from ..choices import Channel
from ..models import FIGURE_KEY, ThroughputReport
from ..services.reporting import SubmissionRefused, refusal_body, review_figure, submit_figures
from .filters import ThroughputFilter
from .serializers import FigureSubmissionSerializer, ReviewSerializer, ThroughputSerializer


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
