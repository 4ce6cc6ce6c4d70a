"""Port metrics: daily arrivals, departures, time in port, anchorage waits and queue
against a baseline, congestion, and how call counts move with other rules (sensitivity).
Times UTC; waits and stays in hours where the name says `_h`."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone

from ais.choices import ship_type_group
from core.limits import QUERY_TIMEOUT_S, check_window, guarded
from core.periods import day_bounds
from geo.models import Node

from ..detection import Rule, as_columns, detect_calls_arrays
from ..models import PortCall
from .calls import (
    LOOKBACK,
    ais_seen,
    as_rule,
    current_rule,
    hours_in_port,
    near_positions,
    port_fences,
    wait_hours,
    watched_ports,
)

# The variants the sensitivity table shows when none are asked for: the thresholds public
# systems use (0.2-5 kn; no minimum stay to 3 h).
DEFAULT_VARIANTS: list[dict[str, float]] = [
    *({"speed_kn": s} for s in (0.2, 0.5, 2.0, 5.0)),
    *({"min_stay_s": float(s)} for s in (0, 3600, 3 * 3600)),
]
CONGESTION_CACHE_S = 300
# Positions x rules one sensitivity request may go through (~3.5 us each: about 15 s).
MAX_ROW_RUNS = 4_000_000


class TooMuchWork(ValueError):
    """A request would read more positions than its budget allows."""


METRICS_CACHE_S = 120
SENSITIVITY_CACHE_S = 600


# The longest windows these figures take (days): every surface refuses longer ones with
# the same message (core.limits.WindowRefused).
MAX_METRICS_DAYS = 366
MAX_SENSITIVITY_DAYS = 31


def guarded_port_metrics(
    node: Node,
    start: date,
    end: date,
    baseline_days: int = 28,
    *,
    user_id: int | None,
    wait_s: float = 0,
) -> dict[str, Any]:
    """`port_metrics` as every surface asks for it (core.limits.guarded): at most
    MAX_METRICS_DAYS, cached, one at a time per user, its queries under a timeout."""
    check_window(start, end, MAX_METRICS_DAYS)
    return guarded(
        "metrics",
        user_id,
        {"port": node.code, "start": start, "end": end, "baseline": baseline_days},
        lambda: port_metrics(node, start, end, baseline_days=baseline_days),
        ttl_s=METRICS_CACHE_S,
        timeout_s=QUERY_TIMEOUT_S,
        wait_s=wait_s,
    )


def guarded_sensitivity(
    node: Node,
    start: datetime,
    end: datetime,
    variants: list[dict[str, float]],
    *,
    user_id: int | None,
) -> list[dict[str, Any]]:
    """`sensitivity` as every surface asks for it (core.limits.guarded): at most
    MAX_SENSITIVITY_DAYS, cached, one at a time per user, its queries under a timeout;
    TooMuchWork past its row budget."""
    check_window(start, end, MAX_SENSITIVITY_DAYS)
    return guarded(
        "sensitivity",
        user_id,
        {"port": node.code, "start": start, "end": end, "variants": variants},
        lambda: sensitivity(node, start, end, variants),
        ttl_s=SENSITIVITY_CACHE_S,
        timeout_s=QUERY_TIMEOUT_S,
    )


def sensitivity(
    node: Node,
    start: datetime,
    end: datetime,
    variants: list[dict[str, float]],
    max_row_runs: int = MAX_ROW_RUNS,
) -> list[dict[str, Any]]:
    """Call counts for alternative thresholds (nothing stored): the official rule first,
    then each variant (fields of Rule) applied on top of it. Every rule is a pass over the
    window's positions: more than `max_row_runs` positions x rules raises TooMuchWork."""
    fences, base = port_fences(node), as_rule(current_rule(node))
    budget = max_row_runs // (len(variants) + 1)
    rows = near_positions(fences, start - LOOKBACK, end + LOOKBACK, limit=budget + 1)
    if len(rows) > budget:
        raise TooMuchWork(
            f"more than {budget:,} positions near {node.code} in this window for "
            f"{len(variants) + 1} rules: narrow the window or ask for fewer variants"
        )
    out = []
    columns = as_columns(rows)
    for variant in [{}, *variants]:
        rule = Rule(**{**base.__dict__, **variant})
        calls = [
            c
            for c in detect_calls_arrays(*columns, fences, rule)
            if start.timestamp() <= c.arrival_s < end.timestamp()
        ]
        waits = [c.anchorage_wait_s for c in calls if c.anchorage_wait_s is not None]
        out.append(
            {
                "rule": {k: v for k, v in rule.__dict__.items() if k != "version"},
                "official": not variant,
                "calls": len(calls),
                "median_anchorage_wait_h": round(statistics.median(waits) / 3600, 2)
                if waits
                else None,
            }
        )
    return out


def _max_overlap(intervals: list[tuple[float, float]], lo: float, hi: float) -> int:
    """Most intervals open at once within [lo, hi)."""
    events = []
    for a, b in intervals:
        a, b = max(a, lo), min(b, hi)
        if a < b:
            events += [(a, 1), (b, -1)]
    best = now = 0
    for _, step in sorted(events):
        now += step
        best = max(best, now)
    return best


LAST_YEAR_HALF_WINDOW = 14  # days either side of the same date last year


def _calls_between(node: Node, first: date, last: date) -> list[PortCall]:
    lo, hi = day_bounds(first, last)
    return list(
        PortCall.objects.filter(node=node, arrival_at__lt=hi)
        .exclude(departure_at__lt=lo)
        .select_related("vessel")
    )


def _daily(
    calls: list[PortCall], first: date, last: date, now: datetime
) -> dict[date, dict[str, Any]]:
    """The per-day figures of [first, last] from the calls overlapping those days (each
    call put in the days it touches: one pass, not one per day)."""
    arrived: dict[date, list[PortCall]] = defaultdict(list)
    departed: dict[date, list[PortCall]] = defaultdict(list)
    waiting: dict[date, list[tuple[float, float]]] = defaultdict(list)
    for c in calls:
        arrived[c.arrival_at.astimezone(UTC).date()].append(c)
        if c.departure_at:
            departed[c.departure_at.astimezone(UTC).date()].append(c)
        if c.anchorage_start_at:
            a, b = c.anchorage_start_at, c.anchorage_end_at or now
            d = max(a.astimezone(UTC).date(), first)
            while d <= min(b.astimezone(UTC).date(), last):
                waiting[d].append((a.timestamp(), b.timestamp()))
                d += timedelta(days=1)
    days: dict[date, dict[str, Any]] = {}
    d = first
    while d <= last:
        d0 = datetime.combine(d, datetime.min.time(), UTC)
        d1 = d0 + timedelta(days=1)
        by_type: dict[str, int] = defaultdict(int)
        for c in arrived[d]:
            by_type[ship_type_group(c.vessel.ship_type)] += 1
        stays = [h for h in map(hours_in_port, departed[d]) if h is not None]
        waited = [h for h in map(wait_hours, departed[d]) if h]
        days[d] = {
            "date": d.isoformat(),
            "arrivals": len(arrived[d]),
            "departures": len(departed[d]),
            "calls_by_type": dict(by_type),
            "median_hours_in_port": round(statistics.median(stays), 2) if stays else None,
            "median_anchorage_wait_h": round(statistics.median(waited), 2) if waited else None,
            "queue": _max_overlap(waiting[d], d0.timestamp(), d1.timestamp()),
        }
        d += timedelta(days=1)
    return days


# A baseline is shown, and a day judged congested against it, only once it holds this many
# days of data (or all the days asked for, when fewer): days before a port's first recorded
# call are no data, not days without a queue.
BASELINE_MIN_DAYS = 14


def data_start(node: Node) -> date | None:
    """The day of the port's first recorded call (None: none yet): its data begins there."""
    first = PortCall.objects.filter(node=node).aggregate(first=Min("arrival_at"))["first"]
    return first.astimezone(UTC).date() if first else None


def port_metrics(node: Node, start: date, end: date, baseline_days: int = 28) -> dict[str, Any]:
    """Per day in [start, end]: arrivals, departures, calls by ship type, median hours in
    port, median anchorage wait (hours), the anchorage queue (most vessels waiting at once),
    each against a baseline: the same period last year (the same date +-14 days) when calls
    were recorded then, else the rolling previous `baseline_days` days. The baseline gives
    the mean, the 90th percentile and the deviation %; a day is congested when its queue is
    above the baseline's 90th percentile. Only days of data count (from the port's first
    call on); a baseline of fewer than `min_days` (BASELINE_MIN_DAYS) is none: no mean, no
    percentile, no congestion."""
    now = timezone.now()
    first = start - timedelta(days=baseline_days)
    calls = _calls_between(node, first, end)
    days = _daily(calls, first, end, now)
    since = data_start(node)
    enough = min(BASELINE_MIN_DAYS, baseline_days)
    ly_first = start - timedelta(days=365 + LAST_YEAR_HALF_WINDOW)
    ly_last = end - timedelta(days=365 - LAST_YEAR_HALF_WINDOW)
    last_year = _calls_between(node, ly_first, ly_last)
    ly_days = _daily(last_year, ly_first, ly_last, now) if last_year else {}
    result = []
    for day in sorted(k for k in days if k >= start):
        if ly_days:
            kind = "same_period_last_year"
            centre = day - timedelta(days=365)
            window = [
                ly_days[centre + timedelta(days=i)]
                for i in range(-LAST_YEAR_HALF_WINDOW, LAST_YEAR_HALF_WINDOW + 1)
                if centre + timedelta(days=i) in ly_days
            ]
        else:
            kind = "rolling"
            window = [
                days[day - timedelta(days=i)]
                for i in range(1, baseline_days + 1)
                if day - timedelta(days=i) in days
                and since is not None
                and day - timedelta(days=i) >= since
            ]
        if len(window) < enough:
            window = []  # too few days to judge by: no baseline yet (said as such)
        queues = sorted(w["queue"] for w in window)
        arrivals = [w["arrivals"] for w in window]
        mean_arrivals = statistics.fmean(arrivals) if arrivals else None
        p90 = queues[max(0, round(0.9 * (len(queues) - 1)))] if queues else None
        row = dict(days[day])
        row["baseline"] = {
            "kind": kind,
            "days": len(window),
            "min_days": enough,
            "arrivals_mean": mean_arrivals,
            "queue_mean": statistics.fmean(queues) if queues else None,
            "queue_p90": p90,
        }
        row["arrivals_deviation_pct"] = (
            round(100 * (row["arrivals"] - mean_arrivals) / mean_arrivals, 1)
            if mean_arrivals
            else None
        )
        row["congested"] = p90 is not None and row["queue"] > p90
        result.append(row)
    # Open calls are closed once their vessel is silent past the gap timeout; what is left
    # open with an anchorage stop and no berth yet is waiting now.
    waiting_now = sum(
        1
        for c in calls
        if c.departure_at is None and c.anchorage_start_at and c.berth_start_at is None
    )
    return {"port": node.code, "days": result, "at_anchor_now": waiting_now}


def congested_ports(today: date | None = None) -> set[str]:
    """Codes of the ports whose anchorage queue today is above their baseline's 90th
    percentile. Computed at most every few minutes (the overview map asks on every load)."""
    today = today or timezone.now().date()
    key = f"ports:congested:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = []
        for node in watched_ports():
            days = port_metrics(node, today, today)["days"]
            if days and days[-1]["congested"]:
                found.append(node.code)
        cache.set(key, found, CONGESTION_CACHE_S)
    return set(found)


@dataclass(frozen=True)
class PeriodCalls:
    """Port calls arriving in a period (`calls`) and the median anchorage wait of those
    whose wait is known, in hours (0 for a call that went straight in): the headline's and
    the report's figure, defined here once."""

    calls: int
    median_wait_h: float | None
    ais_covered: bool = True  # False: no AIS position near the ports at all (no data, not 0)

    @property
    def count(self) -> int | None:
        """The number of calls, None when AIS saw nothing there (no data is never 0)."""
        return self.calls if self.ais_covered else None


def period_calls(first: date, last: date, nodes: Iterable[Node] | None = None) -> PeriodCalls:
    """The calls arriving on the days [first, last] at `nodes` (every watched port when
    None); no call where AIS saw nothing near the ports in the period is no data."""
    start, end = day_bounds(first, last)
    calls = PortCall.objects.filter(arrival_at__gte=start, arrival_at__lt=end)
    ports = list(nodes) if nodes is not None else None
    if ports is not None:
        calls = calls.filter(node__in=ports)
    waits = [w for w in calls.values_list("anchorage_wait_s", flat=True) if w is not None]
    count = calls.count()
    covered = count > 0 or any(
        ais_seen(port, first, last) for port in (ports if ports is not None else watched_ports())
    )
    wait = round(statistics.median(waits) / 3600, 2) if waits else None
    return PeriodCalls(count, wait, covered)
