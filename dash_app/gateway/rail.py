"""Rail on the map and the route page: live trains, a train's panel, a route's KPIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from corridors.services.routes import find_route
from rail.services import kpis as rail_kpis
from rail.services import live as rail_live
from rail.services import trains as rail_trains

from .common import localized, parse_id

DELAY_COLOURS = rail_live.DELAY_COLOURS
ROUTE_WEEKS = 12  # the KPI page's default: the last twelve weeks


def live_trains() -> dict[str, Any]:
    """Running trains at their current positions (GeoJSON), coloured by delay."""
    return rail_live.live_trains()


@dataclass(frozen=True)
class StopView:
    station: str
    event: str
    booked: datetime | None
    original: datetime | None
    actual: datetime | None
    classifier: str
    delay_min: int | None


@dataclass(frozen=True)
class TrainDetail:
    id: int
    train_no: str
    service_date: str
    service_type: str
    route: str
    origin: str
    destination: str
    status: str
    delay_min: int | None
    delay_original_min: int | None
    threshold_min: int
    transit_h: float | None
    teu: int | None
    stops: list[StopView]


def train_detail(train_id: Any, lang: str) -> TrainDetail | None:
    train = rail_trains.find_train(parse_id(train_id))
    if train is None:
        return None
    stops = [
        StopView(
            localized(e.node, lang),
            e.get_event_display(),
            e.booked_at,
            e.original_at,
            e.actual_at if e.classifier != "planned" else None,
            e.classifier,
            rail_trains.stop_delay_min(e),
        )
        for e in rail_trains.stops(rail_trains.train_events(train))
    ]
    return TrainDetail(
        id=train.pk,
        train_no=train.train_no,
        service_date=train.service_date.isoformat(),
        service_type=train.get_service_type_display(),
        route=train.route.code if train.route else "",
        origin=localized(train.origin, lang) if train.origin else "",
        destination=localized(train.destination, lang) if train.destination else "",
        status=train.get_status_display(),
        delay_min=None if train.delay_booked_s is None else round(train.delay_booked_s / 60),
        delay_original_min=None
        if train.delay_original_s is None
        else round(train.delay_original_s / 60),
        threshold_min=rail_kpis.threshold_min(train.route),
        transit_h=None if train.transit_s is None else round(train.transit_s / 3600, 1),
        teu=train.teu,
        stops=stops,
    )


@dataclass(frozen=True)
class RouteKpis:
    code: str
    name: str
    threshold_min: int
    day_close: str
    periods: list[dict[str, Any]]


def route_kpis(
    code: str, lang: str, first: date | None = None, last: date | None = None
) -> RouteKpis | None:
    """Weekly KPIs of a route over [first, last] (default the last twelve weeks; a longer
    period than the KPIs take is refused with the API's message: WindowRefused)."""
    route = find_route(code)
    if route is None:
        return None
    today = rail_kpis.statistical_day(timezone.now())  # after 18:00 Beijing: tomorrow
    if first is None or last is None:
        first, last = today - timedelta(weeks=ROUTE_WEEKS), today
    last = min(last, today)
    rows = rail_kpis.route_kpis(route, min(first, last), last, "week")
    return RouteKpis(
        code=route.code,
        name=localized(route, lang),
        threshold_min=rail_kpis.threshold_min(route),
        day_close=rail_kpis.day_close().strftime("%H:%M"),
        periods=[r.as_dict() for r in rows],
    )


def rail_routes(lang: str) -> list[dict[str, str]]:
    """Routes that have trains, for the KPI page's menu."""
    return [
        {"label": f"{r.code} · {localized(r, lang)}", "value": r.code}
        for r in rail_trains.routes_with_trains()
    ]
