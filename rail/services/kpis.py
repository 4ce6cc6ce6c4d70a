"""Corridor rail KPIs per route and period, and rail TEU per node.

Definitions (shown beside the figures; README "Rail"):
- a train belongs to the **statistical day** of its departure from its origin (actual, else
  booked, else original plan), the day closing at CW_RAIL_DAY_CLOSE Beijing time (18:00, as
  China's railway statistics do): a train leaving at 19:00 on the 3rd counts on the 4th. A
  week is the ISO week of that day.
- **trains run**: not cancelled and departed; **cancelled** are counted apart, never dropped
  silently; **TEU**: carried by the trains run.
- **transit time**: actual arrival minus actual departure of trains that arrived (median and
  90th percentile, hours).
- **punctuality**: among trains run that arrived, the share arriving no later than the
  threshold after plan (booked time; also against the original plan); the threshold is the
  route's (RouteRailSetting) or CW_PUNCTUALITY_MIN (30 min).
- **rail TEU per node**: TEU of trains arriving at (in) and departing from (out) the node.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from core.limits import check_window
from corridors.models import Route
from geo.models import Node

from ..choices import EventState, TrainStatus
from ..models import RailEvent, RouteRailSetting, Train

BEIJING = ZoneInfo("Asia/Shanghai")


def day_close() -> time:
    hh, mm = str(getattr(settings, "CW_RAIL_DAY_CLOSE", "18:00")).split(":")
    return time(int(hh), int(mm))


def statistical_day(t: datetime, close: time | None = None) -> date:
    """The railway statistical day of an instant: Beijing date, moved to the next day at or
    after the closing time (18:00 by default)."""
    close = close or day_close()
    local = t.astimezone(BEIJING)
    return local.date() + timedelta(days=1) if local.time() >= close else local.date()


def period_of(day: date, by: str) -> date:
    return day - timedelta(days=day.weekday()) if by == "week" else day


def day_bounds(first: date, last: date, close: time | None = None) -> tuple[datetime, datetime]:
    """The instants [start, end) of statistical days first..last."""
    close = close or day_close()
    start = datetime.combine(first - timedelta(days=1), close, BEIJING)
    end = datetime.combine(last, close, BEIJING)
    return start, end


def threshold_min(route: Route | None) -> int:
    if route is not None:
        setting = RouteRailSetting.objects.filter(route=route).first()
        if setting:
            return int(setting.punctuality_min)
    return int(getattr(settings, "CW_PUNCTUALITY_MIN", 30))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between order statistics."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class PeriodKpi:
    period: date
    trains_run: int
    cancelled: int
    planned: int  # not departed yet (or no departure reported)
    teu: int
    arrived: int
    transit_median_h: float | None
    transit_p90_h: float | None
    on_time: int
    punctuality: float | None  # share of arrived trains within the threshold of booked
    punctuality_original: float | None  # the same against the original plan
    threshold_min: int

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["period"] = self.period.isoformat()
        return d


def _trains(route: Route, start: datetime, end: datetime) -> Iterable[Train]:
    margin = timedelta(days=1)
    return Train.objects.filter(route=route).filter(
        dep_booked__gte=start - margin, dep_booked__lt=end + margin
    ) | Train.objects.filter(route=route, dep_booked__isnull=True, dep_actual__gte=start - margin)


def kpis_of(
    trains: Iterable[Train], first: date, last: date, by: str, threshold: int
) -> list[PeriodKpi]:
    """The KPIs of these trains per period (pure over the objects)."""
    close = day_close()
    groups: dict[date, list[Train]] = defaultdict(list)
    for t in trains:
        when = t.departure
        if when is None:
            continue
        day = statistical_day(when, close)
        if first <= day <= last:
            groups[period_of(day, by)].append(t)
    out = []
    period = period_of(first, by)
    step = timedelta(days=7 if by == "week" else 1)
    limit = timedelta(minutes=threshold).total_seconds()
    while period <= last:
        group = groups.get(period, [])
        cancelled = [t for t in group if t.status == TrainStatus.CANCELLED]
        run = [t for t in group if t.status in (TrainStatus.RUNNING, TrainStatus.ARRIVED)]
        arrived = [t for t in run if t.status == TrainStatus.ARRIVED]
        transit = [t.transit_s / 3600 for t in arrived if t.transit_s is not None]
        on_booked = [t for t in arrived if t.delay_booked_s is not None]
        on_original = [t for t in arrived if t.delay_original_s is not None]
        on_time = sum(1 for t in on_booked if (t.delay_booked_s or 0) <= limit)
        on_time_orig = sum(1 for t in on_original if (t.delay_original_s or 0) <= limit)
        median = statistics.median(transit) if transit else None
        p90 = percentile(transit, 0.9)
        out.append(
            PeriodKpi(
                period=period,
                trains_run=len(run),
                cancelled=len(cancelled),
                planned=len(group) - len(run) - len(cancelled),
                teu=sum(t.teu or 0 for t in run),
                arrived=len(arrived),
                transit_median_h=round(median, 2) if median is not None else None,
                transit_p90_h=round(p90, 2) if p90 is not None else None,
                on_time=on_time,
                punctuality=round(on_time / len(on_booked), 4) if on_booked else None,
                punctuality_original=round(on_time_orig / len(on_original), 4)
                if on_original
                else None,
                threshold_min=threshold,
            )
        )
        period += step
    return out


# The longest window of KPIs one request may ask for (days), on every surface.
MAX_KPI_DAYS = 731


def route_kpis(route: Route, first: date, last: date, by: str = "week") -> list[PeriodKpi]:
    """A route's KPIs per week or day over [first, last] (at most MAX_KPI_DAYS)."""
    check_window(first, last, MAX_KPI_DAYS)
    start, end = day_bounds(first, last)
    return kpis_of(_trains(route, start, end), first, last, by, threshold_min(route))


def node_rail_teu(node: Node, first: date, last: date, by: str = "week") -> list[dict[str, Any]]:
    """TEU in (arrivals) and out (departures) of trains at the node, per period (at most
    MAX_KPI_DAYS)."""
    check_window(first, last, MAX_KPI_DAYS)
    start, end = day_bounds(first, last)
    rows = (
        RailEvent.objects.filter(
            node=node,
            event__in=("arrival", "departure"),
            state=EventState.CURRENT,
            classifier="actual",
            actual_at__gte=start,
            actual_at__lt=end,
        )
        .exclude(train__status=TrainStatus.CANCELLED)
        .values_list(
            "event", "actual_at", "train__teu", "train__origin_id", "train__destination_id"
        )
    )
    totals: dict[date, dict[str, int]] = defaultdict(lambda: {"teu_in": 0, "teu_out": 0})
    close = day_close()
    for event, at, teu, origin, destination in rows:
        if at is None:
            continue
        period = period_of(statistical_day(at, close), by)
        if event == "arrival" and destination == node.pk:
            totals[period]["teu_in"] += teu or 0
        elif event == "departure" and origin == node.pk:
            totals[period]["teu_out"] += teu or 0
    return [{"period": p.isoformat(), **v} for p, v in sorted(totals.items())]


def trains_run(
    first: date, last: date, route: Route | None = None, service_type: str | None = None
) -> int:
    """Trains of service days [first, last] that ran (running or arrived: neither planned
    nor cancelled), on `route` and of `service_type` when given: the headline's and the
    report's figure, defined here once."""
    trains = Train.objects.filter(
        service_date__gte=first, service_date__lte=last, status__in=("running", "arrived")
    )
    if route is not None:
        trains = trains.filter(route=route)
    if service_type is not None:
        trains = trains.filter(service_type=service_type)
    return trains.count()


def trains_cancelled(first: date, last: date, route: Route | None = None) -> int:
    trains = Train.objects.filter(
        service_date__gte=first, service_date__lte=last, status="cancelled"
    )
    return (trains.filter(route=route) if route is not None else trains).count()
