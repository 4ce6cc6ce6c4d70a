"""The port page: the rule in words, daily metrics, the calls' timeline, the sensitivity of
the counts to the rule, and sea-rail transfer times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

from core.limits import Busy, OverBudget, WindowRefused
from geo.services.geofences import fence_bounds
from geo.services.nodes import find_node
from portcalls.services import calls as call_services
from portcalls.services import metrics as metric_services
from rail.services import transfer as rail_transfer

from .common import GUARD_WAIT_S, fences_url, localized

PORT_DAYS = 56  # the port page's default period: the last eight weeks
PORT_TIMELINE_DAYS = 14
PORT_TIMELINE_CALLS = 40  # the timeline's rows: the latest calls (all of them in the table)
PORT_TABLE_CALLS = 2000  # the calls table's rows: the period's newest (the export has all)


@dataclass(frozen=True)
class CallView:
    """A call on the port page's timeline (UTC datetimes; open ends filled with now)."""

    vessel: str
    arrival: datetime
    departure: datetime | None
    berth_start: datetime | None
    berth_end: datetime | None
    anchorage_start: datetime | None
    anchorage_end: datetime | None


@dataclass(frozen=True)
class PortPage:
    """What the port page shows."""

    code: str
    name: str
    rule_text: str
    metrics: dict[str, Any]
    calls: list[CallView]
    fences_url: str
    center: tuple[float, float]  # (lat, lon) as Leaflet takes it
    bounds: list[list[float]] | None = None  # [[south, west], [north, east]] of its fences
    first: date | None = None  # the period shown
    last: date | None = None


def port_page(
    code: str,
    lang: str,
    first: date | None = None,
    last: date | None = None,
    user_id: int | None = None,
) -> PortPage | None:
    """The current rule in words, daily metrics against the baseline over the period
    (default the last eight weeks; a longer period than the metrics take is refused with
    the API's message: core.limits.WindowRefused), the latest calls of its last two weeks.
    None when the node is not a watched port."""
    node = call_services.watched_port(code)
    if node is None:
        return None
    rule = call_services.current_rule(node)
    today = timezone.now().date()
    last = min(last or today, today)
    first = first or last - timedelta(days=PORT_DAYS - 1)
    metrics = metric_services.guarded_port_metrics(
        node, first, last, user_id=user_id, wait_s=GUARD_WAIT_S
    )
    now = timezone.now()
    end = min(now, datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
    since = end - timedelta(days=PORT_TIMELINE_DAYS)
    found = call_services.port_calls(node, arrived_before=end, departed_after=since)
    calls = [
        CallView(
            vessel=f"{c.vessel.name or c.vessel_id}",
            arrival=c.arrival_at,
            departure=c.departure_at,
            berth_start=c.berth_start_at,
            berth_end=c.berth_end_at or (None if c.departure_at else now),
            anchorage_start=c.anchorage_start_at,
            anchorage_end=c.anchorage_end_at or c.berth_start_at,
        )
        for c in list(found[:PORT_TIMELINE_CALLS])[::-1]
    ]
    box = fence_bounds(node)
    return PortPage(
        code=node.code,
        name=localized(node, lang),
        rule_text=call_services.rule_in_words(rule),
        metrics=metrics,
        calls=calls,
        fences_url=fences_url(node.code),
        center=(node.geom.y, node.geom.x),
        bounds=[[box[1], box[0]], [box[3], box[2]]] if box else None,
        first=first,
        last=last,
    )


@dataclass(frozen=True)
class CallTable:
    """The port page's table of calls: the period's newest `rows` of `total`."""

    rows: list[dict[str, Any]]
    total: int


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _minute(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def port_call_table(code: str, first: date, last: date) -> CallTable | None:
    """The calls arriving at a port on the days [first, last], newest first (at most
    PORT_TABLE_CALLS): vessel, MMSI, arrival, anchorage wait, berth, departure, time in port
    (UTC, hours). None when the node is not a watched port."""
    node = call_services.watched_port(code)
    if node is None:
        return None
    found = call_services.calls_arriving(node, first, last)
    rows = [
        {
            "vessel": c.vessel.name or str(c.vessel_id),
            "mmsi": c.vessel_id,
            "arrival": _minute(c.arrival_at),
            "wait_h": _hours(call_services.wait_hours(c)),
            "berth": _minute(c.berth_start_at),
            "departure": _minute(c.departure_at),
            "stay_h": _hours(call_services.hours_in_port(c)),
        }
        for c in found[:PORT_TABLE_CALLS]
    ]
    total = len(rows) if len(rows) < PORT_TABLE_CALLS else found.count()
    return CallTable(rows, total)


def port_sensitivity(
    code: str, user_id: int | None, days: int = 14
) -> list[dict[str, Any]] | str | None:
    """Call counts of the official rule and the default variants over the last `days`,
    under the API's guards (one at a time per user, timeout, cache); None for an unknown
    port, a message when refused (another of the user's runs, too many positions)."""
    node = call_services.watched_port(code)
    if node is None:
        return None
    end = timezone.now().replace(second=0, microsecond=0)  # a minute's asks share the cache
    try:
        return metric_services.guarded_sensitivity(
            node, end - timedelta(days=days), end, metric_services.DEFAULT_VARIANTS, user_id=user_id
        )
    except (metric_services.TooMuchWork, Busy, OverBudget, WindowRefused) as exc:
        return str(exc)


def port_transfer(
    code: str, user_id: int | None, days: int = 28, until: date | None = None
) -> dict[str, Any] | str | None:
    """Transfer times at a port with a rail link over the `days` before the end of `until`
    (default now), under the API's guards. None: not such a port; a message when refused."""
    if code not in rail_transfer.PORT_STATIONS:
        return None
    node = find_node(code)
    if node is None:
        return None
    end = timezone.now()
    if until is not None:
        end = min(end, datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC))
    try:
        return rail_transfer.guarded_port_transfer(
            node, end - timedelta(days=days), end, user_id=user_id, wait_s=GUARD_WAIT_S
        )
    except (Busy, OverBudget, WindowRefused) as exc:
        return str(exc)
