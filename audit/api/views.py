"""The audit in the API: read and exported by the audit administrator only (not the system
or security administrator: 三员分立). Every read and export of the audit is itself audited."""

from __future__ import annotations

import csv
import io

import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action

from accounts.choices import Role
from accounts.roles import role_of

from ..choices import Action
from ..models import AuditEvent
from ..services import record

EXPORT_MAX = 100_000


class IsAuditor(permissions.BasePermission):
    message = "only the audit administrator reads the audit"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and role_of(user) == Role.AUDITOR
            and request.method in permissions.SAFE_METHODS
        )


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor", "role", "action", "target", "detail", "ip", "hash"]


class AuditFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    actor = django_filters.CharFilter(field_name="actor")
    action = django_filters.ChoiceFilter(choices=Action.choices)

    class Meta:
        model = AuditEvent
        fields = ["since", "until", "actor", "action"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log, oldest first (`?since=`, `?until=`, `?actor=`, `?action=`);
    `export/` the rows chosen as CSV (at most 100,000)."""

    queryset = AuditEvent.objects.order_by("seq")
    serializer_class = AuditEventSerializer
    permission_classes = [IsAuditor]
    filterset_class = AuditFilter
    lookup_field = "seq"

    def list(self, request, *args, **kwargs):
        query = request.META.get("QUERY_STRING", "")[:300]
        record(Action.AUDIT, "audit:list", {"query": query}, user=request.user)
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        rows = self.filter_queryset(self.get_queryset())[:EXPORT_MAX]
        out = io.StringIO()
        writer = csv.writer(out)
        fields = AuditEventSerializer.Meta.fields
        writer.writerow(fields)
        count = 0
        for row in rows.values_list(*fields):
            writer.writerow(row)
            count += 1
        record(Action.AUDIT, "audit:export", {"rows": count}, user=request.user)
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
