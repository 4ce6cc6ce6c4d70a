"""Exports in the API: ask for a layer in a format (a job: run at once when small, else by
the worker), follow it, download it, cancel or re-run it; small layers directly with GET
`/api/exports/<layer>/?format=gpkg&<filters>`."""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import schemas
from core.api.limits import refusals_as_answers
from core.api.params import check_window, date_param
from core.replica import long_read

from ..models import ExportJob, JobState
from ..services import figures, jobs
from ..services.layers import CRS_CHOICES, LAYERS
from ..services.writer import FORMATS, content_type

MAX_HEADLINE_DAYS = 366 * 40  # the figures' whole history fits


class ExportJobSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="fmt")
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "layer",
            "format",
            "crs",
            "params",
            "state",
            "progress",
            "rows",
            "message",
            "size_bytes",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download",
        ]

    def get_download(self, obj) -> str | None:
        if obj.state != JobState.DONE:
            return None
        return f"/api/exports/{obj.pk}/download/"


class ExportRequestSerializer(serializers.Serializer):
    """`layer` one of the layers or `corridor_report` (format html or pdf; filters route,
    start, end)."""

    layer = serializers.ChoiceField(choices=sorted([*LAYERS, jobs.REPORT]))
    format = serializers.ChoiceField(choices=sorted([*FORMATS, *jobs.REPORT_FORMATS]))
    crs = serializers.ChoiceField(choices=list(CRS_CHOICES), default=4326)
    filters = serializers.DictField(required=False, default=dict)


def _create(request, layer: str, fmt: str, crs: int, filters: dict) -> ExportJob:
    try:
        job = jobs.create_job(
            request.user, layer, fmt, crs, filters, translation.get_language() or "en"
        )
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"filters": exc.messages}
        ) from exc
    except PermissionError as exc:
        raise PermissionDenied(f"no permission to export {layer}") from exc
    except jobs.QuotaExceeded as exc:
        raise Throttled(detail=str(exc)) from exc
    return job


class ExportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """The user's exports, newest first (history with parameters). POST `{layer, format,
    crs, filters}`: small exports run at once (answered done, with a download link), larger
    ones are queued for the worker (poll `GET /api/exports/<id>/`)."""

    serializer_class = ExportJobSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"\d+"
    queryset = ExportJob.objects.none()  # for the schema; get_queryset gives the user's

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExportJob.objects.none()
        return jobs.user_jobs(self.request.user)

    @extend_schema(request=ExportRequestSerializer, responses={201: ExportJobSerializer})
    def create(self, request):
        incoming = ExportRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        job = _create(request, data["layer"], data["format"], int(data["crs"]), data["filters"])
        job = jobs.start_job(job)
        return Response(ExportJobSerializer(job).data, status=201)

    def _job(self, pk) -> ExportJob:
        try:
            job = jobs.user_job(self.request.user, int(pk or ""))
        except ValueError as exc:
            raise NotFound() from exc
        if job is None:
            raise NotFound()
        return job

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self._job(pk)
        path = jobs.file_of(job)
        if path is None:
            raise NotFound("not ready, failed, cancelled or expired")
        name = path.name.split("-", 1)[1]
        kind = jobs.REPORT_FORMATS.get(job.fmt) or content_type(job.fmt)
        inline = request.query_params.get("inline") == "1" and job.fmt in jobs.REPORT_FORMATS
        response = FileResponse(
            path.open("rb"), as_attachment=not inline, filename=name, content_type=kind
        )
        if inline:
            # Shown in the report page's frame, in a sandbox: its scripts (the map) run in an
            # origin of their own, away from the site's cookies.
            response["X-Frame-Options"] = "SAMEORIGIN"
            response["Content-Security-Policy"] = "sandbox allow-scripts; frame-ancestors 'self'"
        return response

    @extend_schema(request=None, responses=ExportJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return Response(ExportJobSerializer(jobs.cancel_job(self._job(pk))).data)

    @extend_schema(request=None, responses={201: ExportJobSerializer})
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        try:
            job = jobs.rerun_job(self._job(pk))
        except jobs.QuotaExceeded as exc:
            raise Throttled(detail=str(exc)) from exc
        return Response(ExportJobSerializer(jobs.start_job(job)).data, status=201)


class IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` names the file format here, not the API's renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LayerDownloadView(APIView):
    """A small layer straight away: `?format=` (gpkg, shp, kml, csv, xlsx, geojson), `?crs=`
    and the layer's filters; a layer over the inline limit is refused (413): POST
    /api/exports/ for it."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        operation_id="exports_layer_download",
        parameters=[
            OpenApiParameter("format", str, enum=sorted(FORMATS)),
            OpenApiParameter("crs", int, enum=list(CRS_CHOICES)),
            OpenApiParameter("bbox", str),
            OpenApiParameter("start", str),
            OpenApiParameter("end", str),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @long_read
    def get(self, request, layer: str):
        if layer not in LAYERS:  # the report is always a job: POST /api/exports/
            raise NotFound()
        query = request.query_params
        fmt = query.get("format", "geojson")
        try:
            crs = int(query.get("crs", 4326))
        except ValueError as exc:
            raise ValidationError({"crs": f"one of {list(CRS_CHOICES)}"}) from exc
        filters = {k: v for k, v in query.items() if k not in ("format", "crs")}
        job = _create(request, layer, fmt, crs, filters)
        if jobs.estimated_rows(job) > jobs.inline_limit():
            job.state, job.message = JobState.CANCELLED, "too large to answer directly"
            job.save(update_fields=["state", "message"])
            return Response(
                {"detail": "too large to answer directly: POST /api/exports/ for a job"},
                status=413,
            )
        job = jobs.run_job(job.pk)
        path = jobs.file_of(job)
        if path is None:
            return Response({"detail": job.message or "export failed"}, status=400)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name.split("-", 1)[1],
            content_type=content_type(fmt),
        )


class HeadlineView(APIView):
    """The corridor's headline figures of a period, as the overview strip shows them:
    container TEU and cargo tonnes (what they cover, qualifier, sources), sea-rail trains,
    port calls, median anchorage wait (h), mean digital-service coverage at the period's
    end; each with the period before and a year earlier, compared like for like only
    (`reason` says why not); and how many figures are official, pending or estimates."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATE,
                description="default: the twelve months up to the latest data held",
            ),
            OpenApiParameter("end", OpenApiTypes.DATE, description="default: see start"),
        ],
        responses={(200, "application/json"): schemas.headline()},
    )
    def get(self, request):
        period = figures.default_period()
        start = date_param(request, "start", period.first)
        end = date_param(request, "end", period.last)
        check_window(start, end, MAX_HEADLINE_DAYS)
        with refusals_as_answers():
            strip = figures.headline(start, end)
        return Response(asdict(strip))
