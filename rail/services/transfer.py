"""Sea-rail transfer time at a port (Qinzhou, Beihai, Fangchenggang), both directions.

- **rail-to-sea**: from the container's gate-in at the port (else its train's arrival at the
  port station) to the departure of the port call whose vessel loaded it;
- **sea-to-rail**: from the container's discharge from the vessel to the departure of the
  train carrying it from the port station.
**Exact** where container numbers link a train and a vessel call (container events);
otherwise **estimated**: a sea-rail train's arrival to the next departure of a container
ship from the port at least ESTIMATE_MIN_H later, and a container ship's berth end to the
next sea-rail train leaving the port station at least ESTIMATE_MIN_H later.

Exclusions (counted and shown with the figures): links more than MAX_LINK_DAYS apart (a
container number reused), a vessel load with no detected port call of that vessel at the
port, a vessel or train that has not left yet. A transfer counts in the ISO week of its
start. The threshold (CW_TRANSFER_THRESHOLD_H, 72 h) is shown beside the share over it.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ais.choices import container_ships
from core.limits import QUERY_TIMEOUT_S, check_budget, check_window, guarded
from geo.models import Node
from portcalls.models import PortCall

from ..choices import ContainerEventType, TrainStatus
from ..models import ContainerEvent, Train
from .kpis import percentile

# The rail stations serving each port (the port's own node serves too).
PORT_STATIONS = {"QZ_PORT": ("QZ_EAST",), "BH_PORT": (), "FCG_PORT": ()}
MAX_LINK_DAYS = 30
ESTIMATE_MIN_H = 6.0


def rules() -> list[str]:
    """The definitions and exclusion rules shown next to every transfer figure."""
    return [
        _(
            "rail-to-sea: gate-in at the port (else the train's arrival) to the departure of "
            "the vessel that loaded the container"
        ),
        _("sea-to-rail: discharge from the vessel to the departure of the train carrying it"),
        _(
            "exact where container numbers link train and vessel; otherwise estimated from "
            "the next departure of a matching service at least %(h)s h later"
        )
        % {"h": f"{ESTIMATE_MIN_H:g}"},
        _(
            "excluded: links more than %(d)s days apart, loads without a detected port call, "
            "vessels or trains not yet departed"
        )
        % {"d": MAX_LINK_DAYS},
        _("a transfer counts in the week it starts"),
    ]


def threshold_h() -> float:
    return float(getattr(settings, "CW_TRANSFER_THRESHOLD_H", 72))


@dataclass(frozen=True)
class Transfer:
    direction: str  # rail_to_sea, sea_to_rail
    start: datetime
    end: datetime
    exact: bool
    container: str = ""
    train_id: int | None = None
    vessel_mmsi: int | None = None

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def _container_ship_calls(port: Node, start: datetime, end: datetime) -> list[PortCall]:
    return list(
        PortCall.objects.filter(
            node=port,
            arrival_at__lt=end,
            arrival_at__gte=start - timedelta(days=MAX_LINK_DAYS),
        )
        .filter(container_ships("vessel__"))
        .order_by("departure_at")
    )


@dataclass(frozen=True, slots=True)
class Event:
    """What the linking reads of a container event and its train (plain rows: a model
    instance per event cost ten times the query)."""

    container: str
    event: str
    at: datetime
    train_id: int | None
    vessel_mmsi: int | None
    train_arr: datetime | None
    train_dep: datetime | None


EVENT_FIELDS = (
    "container",
    "event",
    "at",
    "train_id",
    "vessel_mmsi",
    "train__arr_actual",
    "train__dep_actual",
)


def transfers(port: Node, start: datetime, end: datetime) -> tuple[list[Transfer], Counter[str]]:
    """Transfers starting in [start, end) at the port, and the exclusions by reason."""
    stations = [
        port.pk,
        *Node.objects.filter(code__in=PORT_STATIONS.get(port.code, ())).values_list(
            "pk", flat=True
        ),
    ]
    horizon = timedelta(days=MAX_LINK_DAYS)
    events = [
        Event(*row)
        for row in ContainerEvent.objects.filter(
            node_id__in=stations,
            retracted=False,
            at__gte=start - horizon,
            at__lt=end + horizon,
        )
        .order_by("at")
        .values_list(*EVENT_FIELDS)
    ]
    by_box: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_box[e.container].append(e)
    calls = _container_ship_calls(port, start, end + horizon)
    calls_of: dict[int, list[PortCall]] = defaultdict(list)
    for c in calls:
        calls_of[c.vessel_id].append(c)
    out: list[Transfer] = []
    excluded: Counter[str] = Counter()
    linked_trains: set[int] = set()
    linked_calls: set[int] = set()
    for box, seq in by_box.items():
        check_budget()
        for i, e in enumerate(seq):
            if e.vessel_mmsi and e.event == ContainerEventType.LOAD:
                t = _rail_to_sea(box, seq[:i], e, calls_of, excluded, linked_calls)
            elif e.vessel_mmsi and e.event == ContainerEventType.DISCHARGE:
                t = _sea_to_rail(box, seq[i + 1 :], e, excluded)
            else:
                continue
            if t is None:
                continue
            if t.train_id:
                linked_trains.add(t.train_id)
            if start <= t.start < end:
                out.append(t)
    out.extend(_estimates(port, stations, start, end, calls, linked_trains, linked_calls))
    return out, excluded


def _rail_to_sea(
    box: str,
    before: list[Event],
    load: Event,
    calls_of: dict[int, list[PortCall]],
    excluded: Counter[str],
    linked_calls: set[int],
) -> Transfer | None:
    limit = load.at - timedelta(days=MAX_LINK_DAYS)
    came = next(
        (e for e in reversed(before) if e.train_id and e.event == ContainerEventType.DISCHARGE),
        None,
    ) or next(
        (e for e in reversed(before) if e.train_id and e.event == ContainerEventType.LOAD), None
    )
    if came is None:
        return None  # not a rail box
    if came.at < limit:
        excluded["link more than 30 days apart"] += 1
        return None
    arrival = came.at
    if came.event == ContainerEventType.LOAD:  # loaded inland: its train's arrival
        if came.train_arr is None:
            excluded["train not arrived"] += 1
            return None
        arrival = came.train_arr
    gate = next(
        (
            e
            for e in reversed(before)
            if e.event == ContainerEventType.GATE_IN and arrival <= e.at <= load.at
        ),
        None,
    )
    begin = gate.at if gate else arrival
    call = next(
        (
            c
            for c in calls_of.get(load.vessel_mmsi or 0, [])
            if c.arrival_at <= load.at + timedelta(hours=12)
            and (c.departure_at is None or c.departure_at >= load.at)
        ),
        None,
    )
    if call is None:
        excluded["no port call of the loading vessel"] += 1
        return None
    if call.departure_at is None:
        excluded["vessel not departed"] += 1
        return None
    linked_calls.add(call.pk)
    return Transfer(
        "rail_to_sea", begin, call.departure_at, True, box, came.train_id, load.vessel_mmsi
    )


def _sea_to_rail(
    box: str, after: list[Event], discharge: Event, excluded: Counter[str]
) -> Transfer | None:
    load = next((e for e in after if e.train_id and e.event == ContainerEventType.LOAD), None)
    if load is None:
        return None
    if load.at - discharge.at > timedelta(days=MAX_LINK_DAYS):
        excluded["link more than 30 days apart"] += 1
        return None
    if load.train_dep is None:
        excluded["train not departed"] += 1
        return None
    return Transfer(
        "sea_to_rail", discharge.at, load.train_dep, True, box, load.train_id, discharge.vessel_mmsi
    )


def _estimates(
    port: Node,
    stations: list[int],
    start: datetime,
    end: datetime,
    calls: list[PortCall],
    linked_trains: set[int],
    linked_calls: set[int],
) -> list[Transfer]:
    gap = timedelta(hours=ESTIMATE_MIN_H)
    departures = sorted(c.departure_at for c in calls if c.departure_at is not None)
    trains_in = Train.objects.filter(
        destination_id__in=stations,
        service_type="sea_rail",
        status=TrainStatus.ARRIVED,
        arr_actual__gte=start,
        arr_actual__lt=end,
    ).exclude(pk__in=linked_trains)
    out = []
    for t in trains_in:
        check_budget()
        assert t.arr_actual is not None
        i = bisect_left(departures, t.arr_actual + gap)
        if i < len(departures):
            out.append(Transfer("rail_to_sea", t.arr_actual, departures[i], False, train_id=t.pk))
    trains_out: list[datetime] = sorted(
        t
        for t in Train.objects.filter(
            origin_id__in=stations,
            service_type="sea_rail",
            dep_actual__isnull=False,
            dep_actual__gte=start,
        )
        .exclude(status=TrainStatus.CANCELLED)
        .values_list("dep_actual", flat=True)
        if t is not None
    )
    for c in calls:
        berth_end = c.berth_end_at or c.departure_at
        if c.pk in linked_calls or berth_end is None or not start <= berth_end < end:
            continue
        i = bisect_left(trains_out, berth_end + gap)
        if i < len(trains_out):
            out.append(
                Transfer("sea_to_rail", berth_end, trains_out[i], False, vessel_mmsi=c.vessel_id)
            )
    return out


def weekly(items: list[Transfer], threshold: float) -> list[dict[str, Any]]:
    """Median, P90 and the share over the threshold per ISO week and direction."""
    groups: dict[tuple[date, str], list[Transfer]] = defaultdict(list)
    for t in items:
        day = t.start.date()
        groups[(day - timedelta(days=day.weekday()), t.direction)].append(t)
    rows = []
    for (week, direction), group in sorted(groups.items()):
        hours = [t.hours for t in group]
        rows.append(
            {
                "week": week.isoformat(),
                "direction": direction,
                "transfers": len(group),
                "exact": sum(1 for t in group if t.exact),
                "estimated": sum(1 for t in group if not t.exact),
                "median_h": round(statistics.median(hours), 2),
                "p90_h": round(percentile(hours, 0.9) or 0.0, 2),
                "share_over": round(sum(1 for h in hours if h > threshold) / len(hours), 4),
                "threshold_h": threshold,
            }
        )
    return rows


TRANSFER_CACHE_S = 300


# The longest window of transfers one request may ask for (days), on every surface.
MAX_TRANSFER_DAYS = 366


def guarded_port_transfer(
    port: Node, start: datetime, end: datetime, *, user_id: int | None, wait_s: float = 0
) -> dict[str, Any]:
    """`port_transfer` as every surface asks for it (core.limits.guarded): at most
    MAX_TRANSFER_DAYS, cached, one at a time per user, its queries and its Python work
    under QUERY_TIMEOUT_S."""
    check_window(start, end, MAX_TRANSFER_DAYS)
    return guarded(
        "transfer",
        user_id,
        {"port": port.code, "start": start, "end": end},
        lambda: port_transfer(port, start, end),
        ttl_s=TRANSFER_CACHE_S,
        timeout_s=QUERY_TIMEOUT_S,
        wait_s=wait_s,
    )


def port_transfer(port: Node, start: datetime, end: datetime) -> dict[str, Any]:
    items, excluded = transfers(port, start, end)
    threshold = threshold_h()
    return {
        "port": port.code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "threshold_h": threshold,
        "rules": rules(),
        "weeks": weekly(items, threshold),
        "excluded": dict(excluded),
        "hours": {
            direction: {
                kind: sorted(
                    round(t.hours, 2)
                    for t in items
                    if t.direction == direction and t.exact == (kind == "exact")
                )[:5000]
                for kind in ("exact", "estimated")
            }
            for direction in ("rail_to_sea", "sea_to_rail")
        },
    }
