"""Port calls: each port's detection rule (versioned), its fences, the batch recompute and
the incremental follower that keep the official calls (`PortCall`) up to date.

Detection itself is `portcalls.detection` (pure); this module feeds it positions from PostGIS.
Times are UTC; durations seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import wkb
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ais.ingest.store import LATE_AFTER_S
from ais.models import PortCallRecompute, Vessel, VesselPosition
from core.imports import ImportCounts
from core.models import Origin
from core.periods import day_bounds
from core.versioning import add_version
from geo.models import Geofence, Node

from ..detection import (
    DEFAULT_RULE,
    Call,
    PortFences,
    Rule,
    VesselTracker,
    as_columns,
    detect_calls_arrays,
)
from ..models import RULE_LIMITS, DetectionRule, PortCall

LOOKBACK = timedelta(days=3)  # a call may have begun this long before the window
NEAR_DEG = 0.3  # positions this close to a port limit are read (to see vessels leave)
STALE_RUNNING = timedelta(minutes=15)  # a recompute "running" longer was abandoned
RULE_FIELDS = ("speed_kn", "min_stay_s", "gap_timeout_s", "exit_hysteresis_m")


# --- rules ------------------------------------------------------------------------------


def rule_in_words(rule: DetectionRule | Rule) -> str:
    """The rule as users read it, in the active language."""
    return _(
        "A call is a vessel inside the port limit at %(speed)s kn or slower for at least "
        "%(stay)s minutes. It ends when the vessel is more than %(exit)s m outside the limit "
        "or silent for %(gap)s hours. Rule version %(version)s."
    ) % {
        "speed": f"{rule.speed_kn:g}",
        "stay": f"{rule.min_stay_s / 60:g}",
        "exit": f"{rule.exit_hysteresis_m:g}",
        "gap": f"{rule.gap_timeout_s / 3600:g}",
        "version": rule.version,
    }


def watched_ports() -> QuerySet[Node]:
    """The ports whose calls are detected: nodes with a current detection rule."""
    current = DetectionRule.objects.filter(valid_to__isnull=True).values("node_id")
    return Node.objects.filter(pk__in=current)


def watched_port(code: object) -> Node | None:
    """The watched port of a code, None when the node is no watched port."""
    return watched_ports().filter(code=code).first() if isinstance(code, str) else None


def port_calls(
    node: Node | None = None,
    arrived_before: datetime | None = None,
    departed_after: datetime | None = None,
) -> QuerySet[PortCall]:
    """Official port calls with their vessel, node and rule, newest arrival first: of one
    port, arrived before a moment, still there or departed after a moment, when given."""
    calls = PortCall.objects.select_related("vessel", "node", "rule")
    if node is not None:
        calls = calls.filter(node=node)
    if arrived_before is not None:
        calls = calls.filter(arrival_at__lt=arrived_before)
    if departed_after is not None:
        calls = calls.exclude(departure_at__lt=departed_after)
    return calls.order_by("-arrival_at", "stable_id")


def hours_in_port(call: PortCall) -> float | None:
    """A call's time in port, arrival to departure, in hours (None while in port)."""
    if call.departure_at is None:
        return None
    return (call.departure_at - call.arrival_at).total_seconds() / 3600


def wait_hours(call: PortCall) -> float | None:
    """A call's anchorage wait in hours (None: unknown; 0: straight to berth)."""
    return None if call.anchorage_wait_s is None else call.anchorage_wait_s / 3600


def calls_arriving(node: Node, first: date, last: date) -> QuerySet[PortCall]:
    """The official calls at a port arriving on the days [first, last], newest first."""
    start, end = day_bounds(first, last)
    return port_calls(node).filter(arrival_at__gte=start, arrival_at__lt=end)


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


def check_rule_values(values: dict[str, Any]) -> None:
    """Every rule value a number within its range (ValidationError naming the field)."""
    errors = {}
    for name, value in values.items():
        if name not in RULE_LIMITS:
            errors[name] = "this field cannot be changed"
            continue
        low, high = RULE_LIMITS[name]
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = "a number"
            continue
        if not low <= number <= high:  # also refuses nan
            errors[name] = f"between {low:g} and {high:g}"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_rule(node: Node, user: Any = None, note: str = "", **values: Any) -> DetectionRule:
    """A new version of a port's rule (the calls already made keep their version). Values
    are range-checked; a change is a user edit (seed loads keep it)."""
    check_rule_values(values)
    old = current_rule(node)
    return add_version(old, created_by=user, note=note, origin=Origin.USER, **values)


def ensure_default_rules(reset: bool = False) -> ImportCounts:
    """Give every node with a port limit a detection rule (version 1, the defaults). A rule
    a user changed is kept; `reset` brings the defaults back in a new version."""
    counts = ImportCounts()
    defaults = {name: getattr(DEFAULT_RULE, name) for name in RULE_FIELDS}
    ports = Geofence.objects.current().filter(kind="port_limit").values_list("node_id", flat=True)
    for node_id in sorted(set(ports)):
        rule = DetectionRule.objects.filter(node_id=node_id, valid_to__isnull=True).first()
        if rule is None:
            DetectionRule.objects.create(
                node_id=node_id,
                version=1,
                valid_from=timezone.now(),
                note="default rule",
                origin=Origin.SEED,
                **defaults,
            )
            counts.created += 1
        elif rule.origin == Origin.SEED:
            counts.unchanged += 1
        elif not reset:
            counts.kept += 1
        else:
            counts.replaced.append(f"detection rule {rule.node.code} v{rule.version}")
            add_version(rule, note="default rule", origin=Origin.SEED, created_by=None, **defaults)
            counts.updated += 1
    return counts


# --- detection --------------------------------------------------------------------------


def port_fences(node: Node) -> PortFences:
    """The current fences of a port as shapely geometries."""
    by_kind: dict[str, list[BaseGeometry]] = defaultdict(list)
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


def near_positions(
    fences: PortFences,
    start: datetime,
    end: datetime,
    limit: int | None = None,
    mmsis: Iterable[int] | None = None,
) -> list[tuple[Any, ...]]:
    """(mmsi, unix ts, lon, lat, sog_kn) of positions near the port in [start, end), of
    `mmsis` only when given."""
    return VesselPosition.objects.near_rows(
        bytes(wkb.dumps(fences.limit, srid=4326)), NEAR_DEG, start, end, limit, mmsis
    )


def ais_days(node: Node, first: date, last: date) -> list[date]:
    """The days of [first, last] on which AIS saw any vessel near the port (its AIS
    coverage: no positions at all is no data, not no traffic)."""
    fences = port_fences(node)
    return VesselPosition.objects.days_with_positions(
        bytes(wkb.dumps(fences.limit, srid=4326)), NEAR_DEG, first, last
    )


def ais_seen(node: Node, first: date, last: date) -> bool:
    """Whether AIS saw any vessel near the port on the days [first, last]."""
    fences = port_fences(node)
    return VesselPosition.objects.any_near(
        bytes(wkb.dumps(fences.limit, srid=4326)), NEAR_DEG, first, last
    )


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _call_values(call: Call) -> dict[str, Any]:
    return {
        "arrival_at": _ts(call.arrival_s),
        "departure_at": _ts(call.departure_s),
        "berth_start_at": _ts(call.berth_start_s),
        "berth_end_at": _ts(call.berth_end_s),
        "anchorage_start_at": _ts(call.anchorage_start_s),
        "anchorage_end_at": _ts(call.anchorage_end_s),
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
        for c in detect_calls_arrays(
            *as_columns(rows), fences, as_rule(rule_row), until=now.timestamp()
        )
        if start.timestamp() <= c.arrival_s < end.timestamp()
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
        sum(1 for c in calls if c.departure_s is None),
        removed,
    )


@dataclass
class CallFollower:
    """The incremental path: positions read in time order since the last poll go through
    one tracker per vessel and port; closed and open calls are upserted.

    A poll only reads up to `lag` before its time, so reports that reach the database a
    little out of order are still read in order; a report later than that is ignored here
    (the AIS store asks for a recompute of it: `process_recompute_requests`, after which
    `rebuild` brings the trackers of the vessels concerned up to date)."""

    nodes: list[Node]
    cursor: datetime
    lag: timedelta = timedelta(seconds=LATE_AFTER_S)
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

    def rebuild(self, node: Node, mmsis: Iterable[int]) -> None:
        """Replay the recent positions of `mmsis` near `node` into fresh trackers (after
        their calls were recomputed from late positions)."""
        fences, rule = port_fences(node), as_rule(current_rule(node))
        wanted = set(mmsis)
        for mmsi in wanted:
            self.trackers.pop((node.code, mmsi), None)
        rows = near_positions(
            fences,
            self.cursor - 2 * LOOKBACK,
            self.cursor + timedelta(microseconds=1),
            mmsis=sorted(wanted),
        )
        for mmsi, ts, lon, lat, sog in rows:  # by vessel, then time
            key = (node.code, mmsi)
            tracker = self.trackers.get(key)
            if tracker is None:
                tracker = self.trackers[key] = VesselTracker(mmsi, fences, rule)
            tracker.feed(float(ts), lon, lat, sog)


# --- recomputing after late positions ----------------------------------------------------


@dataclass
class RecomputeSummary:
    requests: int = 0
    periods: int = 0
    calls: dict[str, int] = field(default_factory=dict)


def _merge_periods(requests: list[PortCallRecompute]) -> list[list[PortCallRecompute]]:
    """Requests grouped by overlapping time (within LOOKBACK of each other)."""
    groups: list[list[PortCallRecompute]] = []
    for r in sorted(requests, key=lambda r: r.start_at):
        if groups and r.start_at <= max(g.end_at for g in groups[-1]) + LOOKBACK:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def recompute_vessel_calls(node: Node, mmsis: Iterable[int], start: datetime, end: datetime) -> int:
    """Recompute the calls of `mmsis` at a port that late positions in [start, end) may
    have changed: those arriving from LOOKBACK before `start` to LOOKBACK after `end` (a
    call may have begun days before a late report, and a filled gap may merge the next
    one). Returns the calls saved."""
    fences, rule_row = port_fences(node), current_rule(node)
    now = timezone.now()
    vessels = sorted(set(mmsis))
    lo, hi = start - LOOKBACK, min(end + LOOKBACK, now)
    rows = near_positions(fences, lo - LOOKBACK, min(hi + LOOKBACK, now), mmsis=vessels)
    calls = [
        c
        for c in detect_calls_arrays(
            *as_columns(rows), fences, as_rule(rule_row), until=now.timestamp()
        )
        if lo.timestamp() <= c.arrival_s < hi.timestamp()
    ]
    with transaction.atomic():
        PortCall.objects.filter(
            node=node, vessel_id__in=vessels, arrival_at__gte=lo, arrival_at__lt=hi
        ).delete()
        return save_calls(node, rule_row, calls)


def process_recompute_requests(
    follower: CallFollower | None = None, max_requests: int = 1000
) -> RecomputeSummary:
    """Take the pending recompute requests (other workers skip them), recompute the calls
    of the vessels and periods they name at every port whose area they touch, and mark
    them done (or failed, with the reason). The follower's trackers of those vessels are
    rebuilt so that its calls stay the same as the recompute's."""
    summary = RecomputeSummary()
    # Requests a worker took and never finished (it died, the database went away) go back.
    PortCallRecompute.objects.filter(
        state=PortCallRecompute.State.RUNNING,
        started_at__lt=timezone.now() - STALE_RUNNING,
    ).update(state=PortCallRecompute.State.PENDING)
    with transaction.atomic():
        requests = list(
            PortCallRecompute.objects.select_for_update(skip_locked=True)
            .filter(state=PortCallRecompute.State.PENDING)
            .order_by("requested_at")[:max_requests]
        )
        PortCallRecompute.objects.filter(pk__in=[r.pk for r in requests]).update(
            state=PortCallRecompute.State.RUNNING, started_at=timezone.now()
        )
    if not requests:
        return summary
    summary.requests = len(requests)
    done = PortCallRecompute.State.DONE
    try:
        nodes = list(watched_ports())
        for group in _merge_periods(requests):
            summary.periods += 1
            for node in nodes:
                west, south, east, north = port_fences(node).limit.bounds
                touching = [
                    r
                    for r in group
                    if r.west <= east + NEAR_DEG
                    and r.east >= west - NEAR_DEG
                    and r.south <= north + NEAR_DEG
                    and r.north >= south - NEAR_DEG
                ]
                if not touching:
                    continue
                mmsis = {m for r in touching for m in r.mmsis}
                start = min(r.start_at for r in touching)
                end = max(r.end_at for r in touching)
                saved = recompute_vessel_calls(node, mmsis, start, end)
                summary.calls[node.code] = summary.calls.get(node.code, 0) + saved
                if follower is not None and node.code in {n.code for n in follower.nodes}:
                    follower.rebuild(node, mmsis)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the requests stay "running" and are taken again
    except Exception as exc:
        PortCallRecompute.objects.filter(pk__in=[r.pk for r in requests]).update(
            state=PortCallRecompute.State.FAILED,
            finished_at=timezone.now(),
            detail={"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
        raise
    PortCallRecompute.objects.filter(pk__in=[r.pk for r in requests]).update(
        state=done, finished_at=timezone.now(), detail={"calls": summary.calls}
    )
    return summary
