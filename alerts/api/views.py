"""Alerts in the API: the list (newest first, `?state=`, `?kind=`, `?place=`), one alert,
and an official's acknowledge or close."""

from __future__ import annotations

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ..choices import AlertState
from ..models import Alert
from ..services.checks import set_states
from ..services.listing import alert_exists, alerts
from ..services.messages import link, message, place_names


class AlertSerializer(serializers.ModelSerializer):
    """An alert: `message` says it in the request's language (from `kind` and `details`),
    `reason` in English; `link` is the page to look into it."""

    message = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "subject",
            "subject_label",
            "place",
            "message",
            "link",
            "reason",
            "details",
            "state",
            "raised_at",
            "updated_at",
            "closed_at",
            "notified_at",
        ]

    def get_message(self, alert: Alert) -> str:
        names = self.context.get("place_names")
        if names is None:
            names = self.context["place_names"] = place_names(None, get_language())
        return message(alert, names)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_link(self, alert: Alert) -> str | None:
        return link(alert)


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Cross-modal alerts (train delays, queues while trains arrive, slow transfers, AIS
    gaps). POST `<id>/acknowledge/` or `<id>/close/` (officials)."""

    serializer_class = AlertSerializer

    def get_queryset(self):
        return alerts()

    filterset_fields = {"state": ["exact"], "kind": ["exact"], "place": ["exact"]}
    write_permissions = ["alerts.change_alert"]

    def _change(self, pk, state: str) -> Response:
        try:
            alert_id = int(pk or "")
        except ValueError as exc:
            raise ValidationError({"id": "an alert id"}) from exc
        if not alert_exists(alert_id):
            raise NotFound()
        set_states([alert_id], self.request.user, state)
        return Response(AlertSerializer(alerts().get(pk=alert_id)).data)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._change(pk, AlertState.ACKNOWLEDGED)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._change(pk, AlertState.CLOSED)
