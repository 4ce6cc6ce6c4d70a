"""Port calls: each port's detection rule (versioned), its fences, the batch recompute and
the incremental follower that keep the official calls (`PortCall`) up to date.

Detection itself is `ports.detection` (pure); this module feeds it positions from PostGIS.
Times are UTC; durations seconds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import wkb
from shapely.ops import unary_union

from core.imports import ImportCounts
from core.models import Origin
from core.versioning import add_version
from geo.models import Geofence, Node

from ..detection import Call, PortFences, Rule, VesselTracker, detect_calls
from ..models import RULE_LIMITS, DetectionRule, PortCall, Vessel, VesselPosition

LOOKBACK = timedelta(days=3)  # a call may have begun this long before the window
NEAR_DEG = 0.3  # positions this close to a port limit are read (to see vessels leave)
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
def update_rule(node: Node, user=None, note: str = "", **values: Any) -> DetectionRule:
    """A new version of a port's rule (the calls already made keep their version). Values
    are range-checked; a change is a user edit (seed loads keep it)."""
    check_rule_values(values)
    old = current_rule(node)
    return add_version(old, created_by=user, note=note, origin=Origin.USER, **values)


def ensure_default_rules(reset: bool = False) -> ImportCounts:
    """Give every node with a port limit a detection rule (version 1, the defaults). A rule
    a user changed is kept; `reset` brings the defaults back in a new version."""
    counts = ImportCounts()
    defaults = {name: DetectionRule._meta.get_field(name).default for name in RULE_FIELDS}
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


def near_positions(
    fences: PortFences, start: datetime, end: datetime, limit: int | None = None
) -> list[tuple]:
    """(mmsi, unix ts, lon, lat, sog_kn) of positions near the port in [start, end)."""
    return VesselPosition.objects.near_rows(
        bytes(wkb.dumps(fences.limit, srid=4326)), NEAR_DEG, start, end, limit
    )


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _call_values(call: Call) -> dict:
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
        for c in detect_calls(rows, fences, as_rule(rule_row), until=now.timestamp())
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
