"""Use cases of port calls: batch recompute, incremental follow, sensitivity, metrics.

Detection itself is `ports.portcalls` (pure); this module feeds it positions from PostGIS
and keeps the official calls (made with each port's current rule) in `PortCall`.
Times are UTC; durations seconds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from shapely import wkb
from shapely.ops import unary_union

from geo.models import Geofence, Node

from .choices import ship_type_group
from .models import DetectionRule, PortCall, Vessel
from .portcalls import Call, PortFences, Rule, VesselTracker, detect_calls

LOOKBACK = timedelta(days=3)  # a call may have begun this long before the window
NEAR_DEG = 0.3  # positions this close to a port limit are read (to see vessels leave)

NEAR_POSITIONS_SQL = """
SELECT mmsi, extract(epoch FROM ts)::float8, ST_X(geom), ST_Y(geom), sog_kn
FROM ports_vesselposition
WHERE ts >= %(start)s AND ts < %(end)s
  AND geom && ST_Expand(ST_GeomFromEWKB(%(limit)s), %(near)s)
ORDER BY mmsi, ts
"""


def port_fences(node: Node) -> PortFences:
    """The current fences of a port as shapely geometries."""
    by_kind: dict[str, list] = defaultdict(list)
    for fence in Geofence.objects.current().filter(node=node):
        by_kind[fence.kind].append(wkb.loads(bytes(fence.geom.wkb)))
    if not by_kind["port_limit"]:
        raise ValueError(f"{node.code} has no port limit fence")
    return PortFences(
        node.code,
        unary_union(by_kind["port_limit"]),
        unary_union(by_kind["berth"]) if by_kind["berth"] else None,
        unary_union(by_kind["anchorage"]) if by_kind["anchorage"] else None,
    )


def rule_in_words(rule: DetectionRule) -> str:
    """The rule as users read it (English; the dashboard translates its own text)."""
    return (
        f"A call is a vessel inside the port limit at {rule.speed_kn:g} kn or slower for at "
        f"least {rule.min_stay_s / 60:g} min. It ends when the vessel is more than "
        f"{rule.exit_hysteresis_m:g} m outside the limit, or silent for "
        f"{rule.gap_timeout_s / 3600:g} h. Rule version {rule.version}."
    )


def current_rule(node: Node) -> DetectionRule:
    return DetectionRule.objects.get(node=node, valid_to__isnull=True)


def as_rule(row: DetectionRule) -> Rule:
    return Rule(
        version=row.version,
        speed_kn=row.speed_kn,
        min_stay_s=row.min_stay_s,
        gap_timeout_s=row.gap_timeout_s,
        exit_hysteresis_m=row.exit_hysteresis_m,
    )


@transaction.atomic
def update_rule(node: Node, user=None, note: str = "", **values) -> DetectionRule:
    """A new version of a port's rule (the calls already made keep their version)."""
    old = current_rule(node)
    now = timezone.now()
    DetectionRule.objects.filter(pk=old.pk).update(valid_to=now)
    fields = {
        k: getattr(old, k) for k in ("speed_kn", "min_stay_s", "gap_timeout_s", "exit_hysteresis_m")
    }
    fields.update(values)
    return DetectionRule.objects.create(
        node=node, version=old.version + 1, valid_from=now, created_by=user, note=note, **fields
    )


def near_positions(fences: PortFences, start: datetime, end: datetime) -> list[tuple]:
    """(mmsi, unix ts, lon, lat, sog_kn) of positions near the port in [start, end)."""
    with connection.cursor() as cursor:
        cursor.execute(
            NEAR_POSITIONS_SQL,
            {
                "start": start,
                "end": end,
                "near": NEAR_DEG,
                "limit": bytes(wkb.dumps(fences.limit, srid=4326)),
            },
        )
        return cursor.fetchall()


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _call_values(call: Call) -> dict:
    return {
        "arrival_at": _ts(call.arrival),
        "departure_at": _ts(call.departure),
        "berth_start_at": _ts(call.berth_start),
        "berth_end_at": _ts(call.berth_end),
        "anchorage_start_at": _ts(call.anchorage_start),
        "anchorage_end_at": _ts(call.anchorage_end),
        "anchorage_wait_s": call.anchorage_wait_s,
    }


def save_calls(node: Node, rule: DetectionRule, calls: list[Call]) -> int:
    """Upsert calls by stable id (an open call gains its departure later)."""
    vessels = set(
        Vessel.objects.filter(mmsi__in={c.mmsi for c in calls}).values_list("mmsi", flat=True)
    )
    saved = 0
    for call in calls:
        if call.mmsi not in vessels:
            continue
        PortCall.objects.update_or_create(
            stable_id=call.stable_id,
            defaults={"vessel_id": call.mmsi, "node": node, "rule": rule, **_call_values(call)},
        )
        saved += 1
    return saved


@dataclass
class DetectionSummary:
    port: str
    rule_version: int
    positions: int
    calls: int
    open_calls: int
    removed: int


@transaction.atomic
def detect_port_calls(
    node: Node, start: datetime, end: datetime, until: datetime | None = None
) -> DetectionSummary:
    """Recompute the official calls of a port arriving in [start, end) from the stored
    positions with the current rule: those calls are replaced, others are left alone.
    `until` is "now" (default: the present): a vessel silent longer than the gap timeout
    by then has left."""
    fences, rule_row = port_fences(node), current_rule(node)
    now = until or timezone.now()
    rows = near_positions(fences, start - LOOKBACK, min(end + LOOKBACK, now))
    calls = [
        c
        for c in detect_calls(rows, fences, as_rule(rule_row), until=now.timestamp())
        if start.timestamp() <= c.arrival < end.timestamp()
    ]
    removed, _ = PortCall.objects.filter(
        node=node, arrival_at__gte=start, arrival_at__lt=end
    ).delete()
    save_calls(node, rule_row, calls)
    return DetectionSummary(
        node.code,
        rule_row.version,
        len(rows),
        len(calls),
        sum(1 for c in calls if c.departure is None),
        removed,
    )


@dataclass
class CallFollower:
    """The incremental path: positions read in time order since the last poll go through
    one tracker per vessel and port; closed and open calls are upserted.

    A poll only reads up to `lag` before its time, so reports that reach the database a
    little out of order are still read in order; a report later than that is ignored here
    (the next batch recompute, e.g. nightly, takes it in)."""

    nodes: list[Node]
    cursor: datetime
    lag: timedelta = timedelta(minutes=2)
    trackers: dict[tuple[str, int], VesselTracker] = field(default_factory=dict)
    fed: int = 0

    def poll(self, until: datetime | None = None) -> int:
        """Process positions with cursor < ts <= until - lag (until: default now)."""
        until = (until or timezone.now()) - self.lag
        count = 0
        for node in self.nodes:
            fences, rule_row = port_fences(node), current_rule(node)
            rule = as_rule(rule_row)
            changed: dict[str, Call] = {}
            rows = sorted(
                near_positions(
                    fences,
                    self.cursor + timedelta(microseconds=1),
                    until + timedelta(microseconds=1),
                ),
                key=lambda r: r[1],
            )
            for mmsi, ts, lon, lat, sog in rows:
                key = (node.code, mmsi)
                tracker = self.trackers.get(key)
                if tracker is None or tracker.rule != rule:
                    tracker = self.trackers[key] = VesselTracker(mmsi, fences, rule)
                for call in tracker.feed(float(ts), lon, lat, sog):
                    changed[call.stable_id] = call
                open_call = tracker.open_call()
                if open_call is not None:
                    changed[open_call.stable_id] = open_call
            for key, tracker in self.trackers.items():
                if key[0] == node.code:
                    for call in tracker.expire(until.timestamp()):
                        changed[call.stable_id] = call
            save_calls(node, rule_row, list(changed.values()))
            count += len(rows)
        self.cursor = until
        self.fed += count
        return count


# --- sensitivity and metrics -----------------------------------------------------------


def sensitivity(node: Node, start: datetime, end: datetime, variants: list[dict]) -> list[dict]:
    """Call counts for alternative thresholds (nothing stored): the official rule first,
    then each variant (fields of Rule) applied on top of it."""
    fences, base = port_fences(node), as_rule(current_rule(node))
    rows = near_positions(fences, start - LOOKBACK, end + LOOKBACK)
    out = []
    for variant in [{}, *variants]:
        rule = Rule(**{**base.__dict__, **variant})
        calls = [
            c
            for c in detect_calls(rows, fences, rule)
            if start.timestamp() <= c.arrival < end.timestamp()
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
    lo = datetime.combine(first, datetime.min.time(), UTC)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    return list(
        PortCall.objects.filter(node=node, arrival_at__lt=hi)
        .exclude(departure_at__lt=lo)
        .select_related("vessel")
    )


def _daily(calls: list[PortCall], first: date, last: date, now: datetime) -> dict[date, dict]:
    """The per-day figures of [first, last] from the calls overlapping those days."""
    waits = [
        (c.anchorage_start_at.timestamp(), (c.anchorage_end_at or now).timestamp())
        for c in calls
        if c.anchorage_start_at
    ]
    days: dict[date, dict] = {}
    d = first
    while d <= last:
        d0 = datetime.combine(d, datetime.min.time(), UTC)
        d1 = d0 + timedelta(days=1)
        arrived = [c for c in calls if d0 <= c.arrival_at < d1]
        departed = [c for c in calls if c.departure_at and d0 <= c.departure_at < d1]
        by_type: dict[str, int] = defaultdict(int)
        for c in arrived:
            by_type[ship_type_group(c.vessel.ship_type)] += 1
        stays = [(c.departure_at - c.arrival_at).total_seconds() / 3600 for c in departed]
        waited = [c.anchorage_wait_s / 3600 for c in departed if c.anchorage_wait_s]
        days[d] = {
            "date": d.isoformat(),
            "arrivals": len(arrived),
            "departures": len(departed),
            "calls_by_type": dict(by_type),
            "median_hours_in_port": round(statistics.median(stays), 2) if stays else None,
            "median_anchorage_wait_h": round(statistics.median(waited), 2) if waited else None,
            "queue": _max_overlap(waits, d0.timestamp(), d1.timestamp()),
        }
        d += timedelta(days=1)
    return days


def port_metrics(node: Node, start: date, end: date, baseline_days: int = 28) -> dict:
    """Per day in [start, end]: arrivals, departures, calls by ship type, median hours in
    port, median anchorage wait (hours), the anchorage queue (most vessels waiting at once),
    each against a baseline: the same period last year (the same date +-14 days) when calls
    were recorded then, else the rolling previous `baseline_days` days. The baseline gives
    the mean, the 90th percentile and the deviation %; a day is congested when its queue is
    above the baseline's 90th percentile."""
    now = timezone.now()
    first = start - timedelta(days=baseline_days)
    calls = _calls_between(node, first, end)
    days = _daily(calls, first, end, now)
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
            ]
        queues = sorted(w["queue"] for w in window)
        arrivals = [w["arrivals"] for w in window]
        mean_arrivals = statistics.fmean(arrivals) if arrivals else None
        p90 = queues[max(0, round(0.9 * (len(queues) - 1)))] if queues else None
        row = dict(days[day])
        row["baseline"] = {
            "kind": kind,
            "days": len(window),
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
