"""Alerts in the API: the list (newest first, `?state=`, `?kind=`), one alert, and an
official's acknowledge or close."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..models import Alert, AlertState
from ..services.checks import set_state
from ..services.listing import alert_exists, alerts


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "subject",
            "subject_label",
            "reason",
            "details",
            "state",
            "raised_at",
            "updated_at",
            "closed_at",
            "notified_at",
        ]


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Cross-modal alerts (train delays, queues while trains arrive, slow transfers, AIS
    gaps). POST `<id>/acknowledge/` or `<id>/close/` (officials)."""

    serializer_class = AlertSerializer

    def get_queryset(self):
        return alerts()

    filterset_fields = {"state": ["exact"], "kind": ["exact"]}
    write_permissions = ["alerts.change_alert"]

    def _change(self, pk, state: str) -> Response:
        try:
            alert_id = int(pk or "")
        except ValueError as exc:
            raise ValidationError({"id": "an alert id"}) from exc
        if not alert_exists(alert_id):
            from rest_framework.exceptions import NotFound

            raise NotFound()
        return Response(AlertSerializer(set_state(alert_id, self.request.user, state)).data)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._change(pk, AlertState.ACKNOWLEDGED)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._change(pk, AlertState.CLOSED)
