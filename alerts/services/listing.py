"""Alerts as the API, the exports and the Dash gateway list them."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Alert, AlertState


def alerts(open_only: bool = False) -> QuerySet[Alert]:
    """Alerts, newest raised first; only open and acknowledged ones when `open_only`."""
    found = Alert.objects.order_by("-raised_at", "-id")
    return found.exclude(state=AlertState.CLOSED) if open_only else found


def alert_exists(pk: int) -> bool:
    return Alert.objects.filter(pk=pk).exists()
