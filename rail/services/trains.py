"""Trains and their events: listing and looking up, as the API and the Dash gateway do."""

from __future__ import annotations

from django.db.models import QuerySet

from corridors.models import Route

from ..choices import Classifier, EventState, EventType
from ..models import RailEvent, Train

# Events that change a run's plan rather than mark a stop along it.
NOT_STOPS = (EventType.CANCELLATION, EventType.REINSTATEMENT, EventType.ORIGIN_CHANGE)


def trains() -> QuerySet[Train]:
    """Train runs with their route and ends, the newest service day first."""
    return Train.objects.select_related("route", "origin", "destination").order_by(
        "-service_date", "train_no", "id"
    )


def find_train(pk: int | None) -> Train | None:
    """The train run of an id, None when there is none."""
    return trains().filter(pk=pk).first() if pk else None


def train_events(train: Train) -> list[RailEvent]:
    """A run's events as stored (every state), in booked order."""
    return list(
        RailEvent.objects.filter(train=train)
        .select_related("node", "train")
        .order_by("booked_at", "id")
    )


def stops(events: list[RailEvent]) -> list[RailEvent]:
    """The stops along a run: its current events that mark a place and time."""
    return [e for e in events if e.state == EventState.CURRENT and e.event not in NOT_STOPS]


def stop_delay_min(event: RailEvent) -> int | None:
    """An actual event's delay against its booked time, in whole minutes."""
    if event.classifier != Classifier.ACTUAL or not event.actual_at or not event.booked_at:
        return None
    return round((event.actual_at - event.booked_at).total_seconds() / 60)


def routes_with_trains() -> QuerySet[Route]:
    """The routes that have train runs."""
    return Route.objects.filter(pk__in=Train.objects.values("route_id"))
