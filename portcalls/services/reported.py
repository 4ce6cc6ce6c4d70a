"""Arrivals and departures as carriers and terminals report them (DCSA transport events),
kept beside the calls AIS detects: one row per source and event id, at its latest version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from ..models import CallEvent


def record_call_event(source: str, event_id: str, values: dict[str, Any]) -> CallEvent:
    """Store (or bring to this version) the reported event `event_id` of `source`."""
    row, _ = CallEvent.objects.update_or_create(
        source=source, event_id=event_id, defaults={**values, "retracted": False}
    )
    return row


def retract_call_event(pk: int, updated: datetime) -> bool:
    """Take a reported event out of every list (the row is kept); whether one was held."""
    return bool(CallEvent.objects.filter(pk=pk).update(retracted=True, updated=updated))


def call_events(
    node_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    imo: int | None = None,
) -> QuerySet[CallEvent]:
    """Reported arrivals and departures in force (not retracted), the latest first."""
    found = CallEvent.objects.filter(retracted=False).select_related("node")
    if node_id is not None:
        found = found.filter(node_id=node_id)
    if start is not None:
        found = found.filter(at__gte=start)
    if end is not None:
        found = found.filter(at__lt=end)
    if imo is not None:
        found = found.filter(vessel_imo=imo)
    return found.order_by("-at", "-id")
