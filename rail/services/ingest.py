"""Storing rail events: the one path of `ingest_rail` and `POST /api/rail-events/`.

Rules (README "Rail"):
- an event's key is (train, location, event type); the same event sent again is stored once
  (also when it repeats a known (source, message id));
- a different event under a key already held replaces it: the old one is kept as
  `superseded` (history), unless it carries a lower `revision` than the stored one (refused:
  stale); a message id seen before under another key moves the event (a correction of its
  location or type);
- `retract` keeps the record and takes it out of every figure (`retracted`); a retraction of
  an event never seen is refused;
- an event for a train not seen before creates the train; a refused event does not stop the
  others; each batch is one transaction;
- the runs touched are refreshed (status, delays, transit) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q

from core.tally import Tally
from corridors.models import Route
from geo.models import Node

from ..choices import ContainerEventType, EventState
from ..ingest.events import ContainerEvent as ContainerIn
from ..ingest.events import Location, Parsed, Refusal, TrainEvent
from ..models import ContainerEvent, LocationAlias, RailEvent, Train
from ..querysets import update_rows
from .runs import refresh_trains

CHUNK = 5000
RANK = {"planned": 0, "estimated": 1, "actual": 2}
COMPARED = (
    "classifier",
    "actual_at",
    "booked_at",
    "original_at",
    "tz",
    "delay_cause",
    "wagons",
    "teu",
    "location_scheme",
    "location_code",
)


# What a batch did, counted (IngestResult's fields, its API answer's numbers).
COUNTERS = (
    "stored",
    "updated",
    "corrected",
    "unchanged",
    "outdated",
    "retracted",
    "containers",
    "trains_created",
)


@dataclass
class IngestResult(Tally):
    COUNTERS = COUNTERS
    stored: int = 0
    updated: int = 0
    corrected: int = 0
    unchanged: int = 0
    outdated: int = 0
    retracted: int = 0
    containers: int = 0
    trains_created: int = 0
    refused: list[Refusal] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.stored:,} stored, {self.updated:,} updated, {self.corrected:,} corrected, "
            f"{self.unchanged:,} unchanged, {self.outdated:,} outdated, "
            f"{self.retracted:,} retracted, {self.containers:,} container events, "
            f"{self.trains_created:,} new trains, {len(self.refused):,} refused"
        )


class Resolver:
    """Location codes in any scheme to nodes, and route codes to routes (cached per run)."""

    def __init__(self) -> None:
        self.nodes = {n.code: n for n in Node.objects.all()}
        self.by_scheme: dict[tuple[str, str], Node] = {
            ("node", code): node for code, node in self.nodes.items()
        }
        for node in self.nodes.values():
            if node.unlocode:
                self.by_scheme.setdefault(("unlocode", node.unlocode.upper()), node)
        for alias in LocationAlias.objects.select_related("node"):
            self.by_scheme[(alias.scheme, alias.code)] = alias.node
        self.routes = {r.code: r for r in Route.objects.all()}

    def node(self, location: Location | None) -> Node | None:
        if location is None:
            return None
        return self.by_scheme.get((location.scheme, location.code))


def _refuse(result: IngestResult, ev: Parsed, reason: str, detail: str, fld: str) -> None:
    result.refused.append(Refusal(ev.line, reason, detail, fld, ev.message_id))


def _check_locations(
    ev: Parsed, res: Resolver, result: IngestResult, allowed: set[str] | None = None
) -> bool:
    checks: list[tuple[str, Location | None]] = [("location", ev.location)]
    if isinstance(ev, TrainEvent):
        checks += [("origin", ev.origin), ("destination", ev.destination)]
        if ev.route and ev.route not in res.routes:
            _refuse(result, ev, "unknown route", ev.route, "route")
            return False
    for name, loc in checks:
        if loc is not None and res.node(loc) is None:
            _refuse(result, ev, "unknown location", f"{loc.scheme}:{loc.code}", name)
            return False
    node = res.node(ev.location)
    if allowed is not None and node is not None and node.code not in allowed:
        _refuse(result, ev, "location not yours", node.code, "location")
        return False
    return True


TRAIN_ACTS = ("cancellation", "reinstatement", "origin_change")


def _identity(ev: TrainEvent, train: Train, res: Resolver) -> dict[str, Any]:
    """The train's identity fields this event sets (route, origin, destination, type...)."""
    updates: dict[str, Any] = {}
    if ev.service_type:
        updates["service_type"] = ev.service_type
    if ev.route:
        updates["route"] = res.routes[ev.route]
    if ev.origin:
        updates["origin"] = res.node(ev.origin)
    if ev.destination:
        updates["destination"] = res.node(ev.destination)
    if ev.event == "origin_change" and not ev.retract:
        updates["origin"] = res.node(ev.location)
    if ev.external_ids:
        updates["external_ids"] = {**train.external_ids, **ev.external_ids}
    return updates


def _not_theirs(
    ev: TrainEvent, train: Train, updates: dict[str, Any], allowed: set[str] | None
) -> str | None:
    """The field by which an event would change a train an operator does not run, if any.

    An operator reports what happens at its own nodes (arrivals, departures, passes) for any
    train; the train itself (route, origin, destination, type, external ids, cancellation,
    reinstatement, change of origin) is the business of the operator at its origin. A train
    first reported by this batch is new, so whoever reports it first may describe it."""
    if allowed is None or train.pk is None:
        return None
    if train.origin is not None and train.origin.code in allowed:
        return None
    if ev.event in TRAIN_ACTS:
        return "event"
    for name, value in updates.items():
        if getattr(train, name) != value:
            return name
    return None


def _trains_for(
    keys: set[tuple[str, date]],
    train_events: Sequence[TrainEvent],
    res: Resolver,
    allowed: set[str] | None,
    result: IngestResult,
) -> tuple[dict[tuple[str, date], Train], set[int], list[TrainEvent]]:
    """Trains of the keys (created when new, their identity fields updated from the events);
    returns them, the ids whose identity changed, and the events an operator may apply (the
    others refused in `result`)."""
    q = Q()
    for number, day in keys:
        q |= Q(train_no=number, service_date=day)
    held = Train.objects.filter(q).select_related("origin") if keys else []
    trains = {(t.train_no, t.service_date): t for t in held}
    changed: set[int] = set()
    for key in keys:
        if key not in trains:
            trains[key] = Train(train_no=key[0], service_date=key[1])
            result.trains_created += 1
    applied: list[TrainEvent] = []
    for ev in train_events:
        train = trains[(ev.train_no, ev.service_date)]
        updates = _identity(ev, train, res)
        refused = _not_theirs(ev, train, updates, allowed)
        if refused:
            _refuse(result, ev, "train not yours", f"{train.train_no} {refused}", refused)
            continue
        applied.append(ev)
        for name, value in updates.items():
            if getattr(train, name) != value:
                setattr(train, name, value)
                if train.pk:
                    changed.add(train.pk)
    new = [t for t in trains.values() if t.pk is None]
    if new:
        Train.objects.bulk_create(new)
    if changed:
        Train.objects.bulk_update(
            [t for t in trains.values() if t.pk in changed],
            ["service_type", "route", "origin", "destination", "external_ids"],
        )
    return trains, changed, applied


def _values(ev: TrainEvent, node: Node) -> dict[str, Any]:
    return {
        "classifier": ev.classifier,
        "actual_at": ev.actual,
        "booked_at": ev.booked,
        "original_at": ev.original,
        "tz": ev.tz,
        "delay_cause": ev.delay_cause,
        "wagons": ev.wagons,
        "teu": ev.teu,
        "location_scheme": ev.location.scheme,
        "location_code": ev.location.code,
    }


def _arrival_after_departure(
    ev: TrainEvent, train: Train, node: Node, current: dict[tuple[int, int, str], RailEvent]
) -> str | None:
    """Why an arrival or departure contradicts the other one held at the same station."""
    if ev.event not in ("arrival", "departure") or ev.retract:
        return None
    other = current.get((train.pk, node.pk, "departure" if ev.event == "arrival" else "arrival"))
    if other is None:
        return None
    mine = ev.actual if ev.classifier == "actual" else None
    theirs = other.actual_at if other.classifier == "actual" else None
    if mine is None or theirs is None:
        mine, theirs = ev.booked, other.booked_at
    if mine is None or theirs is None:
        return None
    arrival, departure = (mine, theirs) if ev.event == "arrival" else (theirs, mine)
    if arrival > departure:
        return f"arrival {arrival:%Y-%m-%d %H:%M}Z after departure {departure:%Y-%m-%d %H:%M}Z"
    return None


def _store_chunk(
    events: Sequence[Parsed], res: Resolver, allowed: set[str] | None
) -> tuple[IngestResult, set[int]]:
    result = IngestResult()
    valid = [ev for ev in events if _check_locations(ev, res, result, allowed)]
    train_events = [ev for ev in valid if isinstance(ev, TrainEvent)]
    container_events = [ev for ev in valid if isinstance(ev, ContainerIn)]
    keys = {(ev.train_no, ev.service_date) for ev in train_events}
    keys |= {
        (ev.train_no, ev.service_date) for ev in container_events if ev.train_no and ev.service_date
    }
    trains, touched, train_events = _trains_for(keys, train_events, res, allowed, result)
    touched |= {t.pk for t in trains.values()}
    ids = [t.pk for t in trains.values()]
    own = {res.nodes[c].pk for c in allowed or () if c in res.nodes}
    current: dict[tuple[int, int, str], RailEvent] = {
        (e.train_id, e.node_id, e.event): e
        for e in RailEvent.objects.filter(train_id__in=ids, state=EventState.CURRENT)
    }
    by_message: dict[tuple[str, str], RailEvent] = {
        (e.source, e.message_id): e for e in current.values() if e.message_id
    }
    fresh: list[RailEvent] = []  # to insert at the end of the chunk
    boxes: list[ContainerEvent] = []
    ended: dict[int, RailEvent] = {}  # held events superseded or retracted (by id)

    links: list[tuple[RailEvent, RailEvent]] = []  # (new, fresh event it supersedes)

    def end(held: RailEvent, state: str) -> None:
        held.state = state
        if held.pk is not None:
            ended[held.pk] = held
        # else: a fresh event of this chunk replaced again; inserted with its final state
        del current[(held.train_id, held.node_id, held.event)]

    for ev in train_events:
        train = trains[(ev.train_no, ev.service_date)]
        node = res.node(ev.location)
        assert node is not None
        key = (train.pk, node.pk, ev.event)
        held = current.get(key)
        if held is None and ev.message_id:
            moved = by_message.get((ev.source, ev.message_id))
            if moved is not None and moved.train_id == train.pk and moved.state == "current":
                if allowed is not None and moved.node_id not in own:
                    # a message id names the event it corrects: the same right as the event
                    _refuse(result, ev, "event not yours", ev.message_id, "message_id")
                    continue
                held = moved  # a correction of the event's location or type
        if ev.retract:
            if held is None:
                _refuse(result, ev, "nothing to retract", "no such event is held", "retract")
                continue
            end(held, EventState.RETRACTED)
            result.retracted += 1
            continue
        problem = _arrival_after_departure(ev, train, node, current)
        if problem:
            _refuse(result, ev, "arrival after departure at the same station", problem, "actual")
            continue
        values = _values(ev, node)
        if held is not None:
            same_place = (held.node_id, held.event) == (node.pk, ev.event)
            if same_place and all(getattr(held, k) == v for k, v in values.items()):
                result.unchanged += 1
                continue
            progress = RANK[ev.classifier] - RANK[held.classifier]
            if ev.revision < held.revision or (ev.revision == held.revision and progress < 0):
                result.outdated += 1  # what a later message already told: kept as it is
                continue
            end(held, EventState.SUPERSEDED)
        new = RailEvent(
            train=train,
            node=node,
            event=ev.event,
            source=ev.source,
            message_id=ev.message_id,
            revision=ev.revision,
            supersedes=held if held is not None and held.pk is not None else None,
            **values,
        )
        if held is not None and held.pk is None:
            links.append((new, held))
        fresh.append(new)
        current[key] = new
        if ev.message_id:
            by_message[(ev.source, ev.message_id)] = new
        if held is None:
            result.stored += 1
        elif RANK[ev.classifier] > RANK[held.classifier] and ev.revision == held.revision:
            result.updated += 1  # planned -> estimated -> actual
        else:
            result.corrected += 1
        boxes.extend(_containers_of(ev, train, node))
    if ended:
        update_rows(
            "rail_railevent", [("state", "text")], [(e.pk, e.state) for e in ended.values()]
        )
    if fresh:
        RailEvent.objects.bulk_create(fresh, batch_size=2000)
    if links:
        update_rows(
            "rail_railevent", [("supersedes_id", "bigint")], [(n.pk, h.pk) for n, h in links]
        )
    boxes.extend(_container_rows(container_events, trains, res, result))
    result.containers += _insert_new(boxes)
    return result, touched


def _containers_of(ev: TrainEvent, train: Train, node: Node) -> list[ContainerEvent]:
    """A departure listing containers loaded them on the train; an arrival discharged them."""
    if not ev.containers or ev.event not in ("departure", "arrival") or ev.time is None:
        return []
    kind = ContainerEventType.LOAD if ev.event == "departure" else ContainerEventType.DISCHARGE
    return [
        ContainerEvent(
            container=number,
            event=kind,
            node=node,
            at=ev.time,
            tz=ev.tz,
            train=train,
            source=ev.source,
            message_id=ev.message_id,
        )
        for number in ev.containers
    ]


def _insert_new(rows: list[ContainerEvent]) -> int:
    """Insert the container events not held yet; how many were new."""
    if not rows:
        return 0
    held = set(
        ContainerEvent.objects.filter(container__in={r.container for r in rows}).values_list(
            "container", "event", "node_id", "at"
        )
    )
    new: dict[tuple[Any, ...], ContainerEvent] = {}
    for r in rows:
        key = (r.container, r.event, r.node_id, r.at)
        if key not in held:
            new.setdefault(key, r)
    ContainerEvent.objects.bulk_create(list(new.values()), ignore_conflicts=True)
    return len(new)


def _container_rows(
    events: Sequence[ContainerIn],
    trains: dict[tuple[str, date], Train],
    res: Resolver,
    result: IngestResult,
) -> list[ContainerEvent]:
    rows = []
    for ev in events:
        node = res.node(ev.location)
        assert node is not None
        train = trains.get((ev.train_no, ev.service_date)) if ev.train_no else None  # type: ignore[arg-type]
        if ev.retract:
            n = ContainerEvent.objects.filter(
                container=ev.container, event=ev.event, node=node, at=ev.at
            ).update(retracted=True)
            if n:
                result.retracted += n
            else:
                _refuse(result, ev, "nothing to retract", "no such container event", "retract")
            continue
        rows.append(
            ContainerEvent(
                container=ev.container,
                event=ev.event,
                node=node,
                at=ev.at,
                tz=ev.tz,
                train=train,
                vessel_mmsi=ev.vessel_mmsi,
                source=ev.source,
                message_id=ev.message_id,
            )
        )
    return rows


def store_events(
    items: Iterable[Parsed | Refusal],
    chunk: int = CHUNK,
    resolver: Resolver | None = None,
    allowed_nodes: set[str] | None = None,
) -> IngestResult:
    """Store parsed events (refusals from the parser are passed through), a chunk per
    transaction; the runs touched are refreshed in the same transaction. `allowed_nodes`
    (codes; None: any) limits where the events may be located (an operator's nodes)."""
    total = IngestResult()
    res = resolver or Resolver()
    batch: list[Parsed] = []

    def flush() -> None:
        if not batch:
            return
        with transaction.atomic():
            result, touched = _store_chunk(batch, res, allowed_nodes)
            refresh_trains(touched)
        total.add(result)
        batch.clear()

    for item in items:
        if isinstance(item, Refusal):
            total.refused.append(item)
            continue
        batch.append(item)
        if len(batch) >= chunk:
            flush()
    flush()
    total.refused.sort(key=lambda r: r.line)
    return total
