"""Train runs derived from their current events: status, delays, transit time, and where a
running train is now.

- **status**: cancelled when the latest of its cancellation/reinstatement events is a
  cancellation; arrived with an actual arrival at its destination; running with any actual
  departure, pass or arrival; planned otherwise.
- **departure / arrival**: the departure event at the origin and the arrival event at the
  destination (the first departure and last arrival when those are not named).
- **delay** (seconds, late > 0): at arrival when arrived, else at the latest actual event;
  against the booked (current plan) time and against the original plan.
- **transit**: actual arrival minus actual departure.
- **position** of a running train: between its last actual event (station A, time tA) and the
  next event without an actual time (station B, its estimated, else booked time tB), at the
  share (now - tA) / (tB - tA) of the way along the route's rail line from A to B (straight
  when the route has no line between them); at A while it stands there (an arrival without
  a departure yet).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise

from core.geodesy import haversine_m

from ..choices import EventState, TrainStatus
from ..models import RailEvent, Train
from ..querysets import update_rows

MOVES = ("arrival", "departure", "pass")
DERIVED = (
    "status",
    "dep_booked",
    "dep_original",
    "dep_actual",
    "arr_booked",
    "arr_original",
    "arr_expected",
    "arr_actual",
    "delay_booked_s",
    "delay_original_s",
    "transit_s",
    "teu",
    "wagons",
)


SQL_TYPES = {
    "status": "text",
    **{name: "timestamptz" for name in DERIVED if name.startswith(("dep_", "arr_"))},
    "delay_booked_s": "integer",
    "delay_original_s": "integer",
    "transit_s": "integer",
    "teu": "integer",
    "wagons": "integer",
}


def _seconds(a: datetime | None, b: datetime | None) -> int | None:
    return None if a is None or b is None else int((a - b).total_seconds())


def _order(event: RailEvent) -> tuple[datetime, int]:
    t = event.booked_at or event.original_at or event.actual_at
    assert t is not None
    rank = {"arrival": 0, "pass": 1, "departure": 2}.get(event.event, 3)
    return t, rank


def derive(train: Train, events: Sequence[RailEvent]) -> dict[str, object]:
    """The derived fields of a train from its current events (pure over the objects)."""
    moves = sorted((e for e in events if e.event in MOVES and e.time), key=_order)
    toggles = sorted(
        (e for e in events if e.event in ("cancellation", "reinstatement")),
        key=lambda e: (e.time or e.received_at, e.id or 0),
    )
    deps = [e for e in moves if e.event == "departure"]
    arrs = [e for e in moves if e.event == "arrival"]
    dep = next((e for e in deps if e.node_id == train.origin_id), deps[0] if deps else None)
    arr = next(
        (e for e in reversed(arrs) if e.node_id == train.destination_id),
        arrs[-1] if arrs else None,
    )
    actual = [e for e in moves if e.classifier == "actual"]
    out: dict[str, object] = {name: None for name in DERIVED}
    if dep:
        out["dep_booked"] = dep.booked_at
        out["dep_original"] = dep.original_at
        out["dep_actual"] = dep.actual_at if dep.classifier == "actual" else None
    if arr:
        out["arr_booked"] = arr.booked_at
        out["arr_original"] = arr.original_at
        if arr.classifier == "actual":
            out["arr_actual"] = arr.actual_at
        elif arr.classifier == "estimated":
            out["arr_expected"] = arr.actual_at
    last = actual[-1] if actual else None
    if out["arr_actual"]:
        assert arr is not None
        last = arr
    if last is not None:
        out["delay_booked_s"] = _seconds(last.actual_at, last.booked_at)
        out["delay_original_s"] = _seconds(last.actual_at, last.original_at)
    out["transit_s"] = _seconds(out["arr_actual"], out["dep_actual"])  # type: ignore[arg-type]
    teus = [e.teu for e in events if e.teu is not None]
    wagons = [e.wagons for e in events if e.wagons is not None]
    out["teu"] = max(teus) if teus else None
    out["wagons"] = max(wagons) if wagons else None
    if toggles and toggles[-1].event == "cancellation":
        out["status"] = TrainStatus.CANCELLED
    elif out["arr_actual"]:
        out["status"] = TrainStatus.ARRIVED
    elif actual:
        out["status"] = TrainStatus.RUNNING
    else:
        out["status"] = TrainStatus.PLANNED
    return out


def refresh_trains(ids: Iterable[int]) -> int:
    """Recompute the derived fields of these trains; how many changed."""
    ids = list(ids)
    if not ids:
        return 0
    events: dict[int, list[RailEvent]] = defaultdict(list)
    for e in RailEvent.objects.filter(train_id__in=ids, state=EventState.CURRENT):
        events[e.train_id].append(e)
    changed = []
    for train in Train.objects.filter(pk__in=ids):
        values = derive(train, events[train.pk])
        if any(getattr(train, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(train, k, v)
            changed.append(train)
    update_rows(
        "rail_train",
        [(name, SQL_TYPES[name]) for name in DERIVED],
        [(t.pk, *(getattr(t, name) for name in DERIVED)) for t in changed],
    )
    return len(changed)


# -- position ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Position:
    lon: float
    lat: float
    from_code: str
    to_code: str | None
    share: float  # of the way from `from_code` to `to_code`


@lru_cache(maxsize=512)
def rail_line(route_id: int | None, a: int, b: int) -> tuple[tuple[float, float], ...] | None:
    """The route's rail line from node a to node b (node ids), as lon/lat points, following
    its segments; None when the route has no chain of rail segments between them."""
    if route_id is None:
        return None
    from corridors.models import RouteSegment

    segments = list(
        RouteSegment.objects.filter(route_id=route_id, mode="rail").only(
            "from_node_id", "to_node_id", "geom"
        )
    )
    graph: dict[int, list[tuple[int, list[tuple[float, float]]]]] = defaultdict(list)
    for s in segments:
        coords = [(float(x), float(y)) for x, y in s.geom.coords]
        graph[s.from_node_id].append((s.to_node_id, coords))
        graph[s.to_node_id].append((s.from_node_id, coords[::-1]))
    previous: dict[int, tuple[int, list[tuple[float, float]]]] = {}
    queue, seen = deque([a]), {a}
    while queue:
        here = queue.popleft()
        if here == b:
            break
        for there, coords in graph[here]:
            if there not in seen:
                seen.add(there)
                previous[there] = (here, coords)
                queue.append(there)
    if b not in previous:
        return None
    parts: list[list[tuple[float, float]]] = []
    node = b
    while node != a:
        node, coords = previous[node][0], previous[node][1]
        parts.append(coords)
    line: list[tuple[float, float]] = []
    for coords in reversed(parts):
        line.extend(coords if not line else coords[1:])
    return tuple(line)


def along(line: Sequence[tuple[float, float]], share: float) -> tuple[float, float]:
    """The point at `share` (0..1) of a polyline's geodesic length."""
    share = min(max(share, 0.0), 1.0)
    lengths = [haversine_m(*p, *q) for p, q in pairwise(line)]
    goal = share * sum(lengths)
    for (p, q), d in zip(pairwise(line), lengths, strict=True):
        if goal <= d and d > 0:
            t = goal / d
            return p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
        goal -= d
    return line[-1]


def position(train: Train, events: Sequence[RailEvent], now: datetime) -> Position | None:
    """Where the train is at `now` (see the module's notes); None when it has no located
    event or is cancelled."""
    if train.status == TrainStatus.CANCELLED:
        return None
    moves = sorted(
        (e for e in events if e.event in MOVES and e.state == EventState.CURRENT and e.time),
        key=_order,
    )
    if not moves:
        return None
    seen = [e for e in moves if e.classifier == "actual" and e.actual_at and e.actual_at <= now]
    if not seen:
        first = moves[0]
        return Position(first.node.geom.x, first.node.geom.y, first.node.code, None, 0.0)
    last = seen[-1]
    later = [e for e in moves[moves.index(last) + 1 :] if e.node_id != last.node_id]
    if last.event == "arrival" or not later:
        return Position(last.node.geom.x, last.node.geom.y, last.node.code, None, 0.0)
    nxt = later[0]
    t_b = nxt.actual_at if nxt.classifier != "planned" and nxt.actual_at else nxt.time
    assert last.actual_at is not None and t_b is not None
    span = (t_b - last.actual_at).total_seconds()
    share = 1.0 if span <= 0 else (now - last.actual_at).total_seconds() / span
    share = min(max(share, 0.0), 0.99)
    start = (last.node.geom.x, last.node.geom.y)
    stop = (nxt.node.geom.x, nxt.node.geom.y)
    line = rail_line(train.route_id, last.node_id, nxt.node_id) or (start, stop)
    lon, lat = along(line, share)
    return Position(lon, lat, last.node.code, nxt.node.code, share)


def positions(trains: Sequence[Train], now: datetime) -> dict[int, Position]:
    """Where each running (or not yet departed) train among `trains` is at `now`: one query
    for their current events."""
    wanted = [t.pk for t in trains if t.status in (TrainStatus.RUNNING, TrainStatus.PLANNED)]
    events: dict[int, list[RailEvent]] = defaultdict(list)
    for e in RailEvent.objects.filter(train_id__in=wanted, state=EventState.CURRENT).select_related(
        "node"
    ):
        events[e.train_id].append(e)
    out = {}
    for t in trains:
        if t.pk in events:
            pos = position(t, events[t.pk], now)
            if pos is not None:
                out[t.pk] = pos
    return out
