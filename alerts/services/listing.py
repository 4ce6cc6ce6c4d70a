"""Alerts as the API, the exports and the Dash gateway list them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ..choices import AlertState
from ..models import Alert


def alerts(
    open_only: bool = False, kinds: Iterable[str] | None = None, acknowledged: bool = True
) -> QuerySet[Alert]:
    """Alerts, newest raised first; only open and acknowledged ones when `open_only`, of
    the `kinds` given (None: all), without the acknowledged ones when not `acknowledged`."""
    found = Alert.objects.order_by("-raised_at", "-id")
    if open_only:
        found = found.exclude(state=AlertState.CLOSED)
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    if not acknowledged:
        found = found.exclude(state=AlertState.ACKNOWLEDGED)
    return found


def alert_exists(pk: int) -> bool:
    return Alert.objects.filter(pk=pk).exists()
