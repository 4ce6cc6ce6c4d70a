"""DCSA Track & Trace events into the corridor: the one path of `ingest_dcsa` (files and
polling) and of the push callback.

What each event becomes (README "DCSA Track & Trace"):
- an **equipment** event LOAD, DISC, GTIN or GTOT that happened (ACT) becomes a container
  event (load, discharge, gate in, gate out) at the node of its UN/LOCODE and facility, on
  the vessel (IMO; its MMSI when AIS knows the number; voyage) or the train (a rail
  transport call's service reference) of its transport call; a load or discharge needs one;
- a **transport** event ARRI or DEPA of a vessel or barge becomes a reported call event
  (`portcalls.CallEvent`, planned, estimated or actual); of a train, a rail event of that
  train (planned, estimated or actual arrival or departure), with the rail rules (runs
  refreshed, a later version supersedes);
- **shipment** events, equipment events of other types or not yet actual, trucks' transport
  events, 3.0's IoT and reefer events: counted and kept aside (in the ledger, with why).

Every event received is kept once per (source, originating party, event id) in
`CarrierEvent` at its latest version; a version not newer than the one held (the same one
re-sent, or an older one arriving late) changes nothing; a newer one replaces what the
older made; a retraction (3.0's `isRetracted`) withdraws it. Each event is one savepoint: a
refused one leaves nothing behind and does not stop the others. Events of one source are
applied one batch at a time (an advisory lock), so a poll and a push cannot interleave.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from typing import Any

import requests
from django.conf import settings
from django.db import transaction

from ais.services.vessels import mmsi_of_imo
from core.database import with_reconnect
from core.ingest.http import Backoff, retry_after
from core.tally import Tally
from geo.models import Node
from portcalls.services.reported import record_call_event, retract_call_event

from ..choices import CarrierOutcome, EventState
from ..ingest.dcsa import (
    EQUIPMENT_USED,
    TRANSPORT_USED,
    Spec,
    TntEvent,
    load_specs,
    parse_objects,
)
from ..ingest.dcsa_feed import RateLimited, poll_pages
from ..ingest.events import EventError, Location, Refusal, TrainEvent
from ..models import CarrierEvent, CarrierFeed, ContainerEvent, RailEvent, Train
from ..querysets import lock_source
from .ingest import Resolver, store_events
from .kpis import BEIJING

REVISION_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
TRAIN_LOOKBACK = timedelta(days=7)  # a train's run lasts at most this long
COUNTERS = (
    "container_events",
    "rail_events",
    "call_events",
    "kept_aside",
    "shipments",
    "retracted",
    "unchanged",
    "outdated",
)


@cache
def specs() -> dict[str, Spec]:
    """Both versions' specifications (read once per process)."""
    return load_specs(settings.BASE_DIR / "data" / "standards" / "dcsa")


@dataclass
class DcsaResult(Tally):
    COUNTERS = COUNTERS
    container_events: int = 0
    rail_events: int = 0
    call_events: int = 0
    kept_aside: int = 0
    shipments: int = 0
    retracted: int = 0
    unchanged: int = 0
    outdated: int = 0
    refused: list[Refusal] = field(default_factory=list)
    latest: datetime | None = None  # the newest version time read (a poll's watermark)

    def add(self, other: Tally) -> None:
        super().add(other)
        latest = getattr(other, "latest", None)
        if latest and (self.latest is None or latest > self.latest):
            self.latest = latest

    def summary(self) -> str:
        return (
            f"{self.container_events:,} container events, {self.rail_events:,} rail events, "
            f"{self.call_events:,} call events, {self.kept_aside:,} kept aside "
            f"({self.shipments:,} shipment events), {self.retracted:,} retracted, "
            f"{self.unchanged:,} unchanged, {self.outdated:,} outdated, "
            f"{len(self.refused):,} refused"
        )


class Refused(Exception):
    def __init__(self, reason: str, detail: str, field_name: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.field = reason, detail, field_name


class Places:
    """UN/LOCODEs and facility codes to nodes, through the rail feeds' resolver (the nodes'
    UN/LOCODEs and every `LocationAlias`): a facility alias (scheme `smdg` with code
    `<UN/LOCODE>:<terminal>`, or `bic` with the BIC facility code) first, else the node of
    the UN/LOCODE."""

    def __init__(self, resolver: Resolver) -> None:
        self.known = resolver.by_scheme

    def node(self, ev: TntEvent) -> Node:
        if ev.facility is not None:
            code = (
                f"{ev.unlocode}:{ev.facility.code}"
                if ev.facility.provider != "BIC"
                else ev.facility.code
            )
            scheme = "bic" if ev.facility.provider == "BIC" else "smdg"
            if (node := self.known.get((scheme, code))) is not None:
                return node
        if not ev.unlocode:
            raise Refused("missing field", "a UN/LOCODE (eventLocation)", _field(ev, "location"))
        node = self.known.get(("unlocode", ev.unlocode))
        if node is None:
            where = f"{ev.unlocode}" + (f" / {ev.facility.code}" if ev.facility else "")
            raise Refused(
                "unknown location", f"{where} is no corridor node", _field(ev, "location")
            )
        return node


def _field(ev: TntEvent, what: str) -> str:
    if what == "location":
        return "$.eventLocation.UNLocationCode"
    if ev.version == "2.2":
        return "$.transportCall"
    return "$.transportDetails.transportCall"


def _train_key(number: str, at: datetime) -> tuple[str, date]:
    """The run of train `number` an event at `at` belongs to: the latest run held that set
    off within a week before, else a new run of that (Beijing) day."""
    day = at.astimezone(BEIJING).date()
    held = (
        Train.objects.filter(
            train_no=number, service_date__lte=day, service_date__gte=day - TRAIN_LOOKBACK
        )
        .order_by("-service_date")
        .values_list("service_date", flat=True)
        .first()
    )
    return number, held or day


class Applier:
    """Applies events of one source, one at a time in its own savepoint."""

    def __init__(self, source: str, via: str):
        self.source = source
        self.via = via
        self.resolver = Resolver()
        self.places = Places(self.resolver)
        self.result = DcsaResult()

    # -- what an event makes -------------------------------------------------------------
    def _container(self, ev: TntEvent, node: Node, held: dict[str, Any]) -> dict[str, Any]:
        assert ev.at is not None
        train = None
        mmsi = mmsi_of_imo(ev.vessel_imo)
        if ev.mode == "RAIL" and ev.train:
            number, day = _train_key(ev.train, ev.at)
            train, _ = Train.objects.get_or_create(train_no=number, service_date=day)
        elif ev.code in ("LOAD", "DISC") and ev.vessel_imo is None:
            raise Refused(
                "missing field",
                "a load or discharge names its vessel (IMO) or train (rail service reference)",
                _field(ev, "call"),
            )
        values = {
            "container": ev.container,
            "event": EQUIPMENT_USED[ev.code],
            "node": node,
            "at": ev.at,
            "train": train,
            "vessel_mmsi": mmsi if train is None else None,
            "vessel_imo": ev.vessel_imo if train is None else None,
            "voyage": ev.voyage[:50],
            "source": self.source,
            "message_id": ev.event_id,
            "retracted": False,
        }
        key = {k: values[k] for k in ("container", "event", "node", "at")}
        own = held.get("container_event") if not held.get("shared") else None
        other = ContainerEvent.objects.filter(**key)
        if own is not None:
            other = other.exclude(pk=own)
        if (pk := other.values_list("pk", flat=True).first()) is not None:
            self._undo(held, ev.updated)
            return {"container_event": pk, "shared": True}  # the same box move, held already
        if own:
            ContainerEvent.objects.filter(pk=own).update(**values)
            return held
        self._undo(held, ev.updated)
        return {"container_event": ContainerEvent.objects.create(**values).pk}

    def _rail(self, ev: TntEvent, node: Node, held: dict[str, Any]) -> dict[str, Any]:
        assert ev.at is not None
        number, day = _train_key(ev.train, ev.at)
        derived = {"rail_event": [number, day.isoformat(), node.code, TRANSPORT_USED[ev.code]]}
        if held.get("rail_event") != derived["rail_event"]:
            self._undo(held, ev.updated)
        planned = ev.classifier == "planned"
        try:
            train_event = TrainEvent(
                line=ev.index,
                train_no=number,
                service_date=day,
                location=Location("node", node.code),
                event=TRANSPORT_USED[ev.code],
                classifier=ev.classifier,
                tz="Asia/Shanghai",
                source=self.source,
                message_id=ev.event_id[:64],
                revision=int((ev.updated - REVISION_EPOCH).total_seconds()),
                actual=None if planned else ev.at,
                booked=ev.at if planned else None,
                original=None,
            )
        except EventError as exc:
            raise Refused(exc.reason, exc.detail, _field(ev, "call")) from exc
        outcome = store_events([train_event], resolver=self.resolver)
        if outcome.refused:
            first = outcome.refused[0]
            raise Refused(first.reason, first.detail, _field(ev, "call"))
        return derived

    def _call(self, ev: TntEvent, node: Node, held: dict[str, Any]) -> dict[str, Any]:
        assert ev.at is not None
        if ev.vessel_imo is None:
            raise Refused("missing field", "the vessel's IMO number", _field(ev, "call"))
        row = record_call_event(
            self.source,
            ev.event_id,
            {
                "node": node,
                "event": TRANSPORT_USED[ev.code],
                "classifier": ev.classifier,
                "at": ev.at,
                "vessel_imo": ev.vessel_imo,
                "vessel_mmsi": mmsi_of_imo(ev.vessel_imo),
                "vessel_name": ev.vessel_name[:50],
                "voyage": ev.voyage[:50],
                "mode": ev.mode.lower(),
                "facility": ev.facility.code if ev.facility else "",
                "transport_call": ev.transport_call[:100],
                "delay_reasons": " ".join(ev.delay_reasons)[:64],
                "updated": ev.updated,
            },
        )
        return {"call_event": row.pk}

    def _undo(self, held: dict[str, Any], updated: datetime) -> None:
        """Withdraw what an older version made (a shared container move is left alone)."""
        if pk := held.get("container_event"):
            if not held.get("shared"):
                ContainerEvent.objects.filter(pk=pk).update(retracted=True)
        elif pk := held.get("call_event"):
            retract_call_event(pk, updated)
        elif key := held.get("rail_event"):
            number, day, node, kind = key
            current = RailEvent.objects.filter(
                train__train_no=number,
                train__service_date=day,
                node__code=node,
                event=kind,
                state=EventState.CURRENT,
                source=self.source,
            )
            if current.exists():
                store_events(
                    [
                        TrainEvent(
                            line=0,
                            train_no=number,
                            service_date=date.fromisoformat(day),
                            location=Location("node", node),
                            event=kind,
                            classifier="planned",
                            actual=None,
                            booked=None,
                            original=None,
                            tz="Asia/Shanghai",
                            source=self.source,
                            retract=True,
                        )
                    ],
                    resolver=self.resolver,
                )
        held.clear()

    # -- one event ---------------------------------------------------------------------
    def apply(self, ev: TntEvent) -> None:
        result = self.result
        if result.latest is None or ev.updated > result.latest:
            result.latest = ev.updated
        ledger = (
            CarrierEvent.objects.select_for_update()
            .filter(source=self.source, party=ev.party[:360], event_id=ev.event_id)
            .first()
        )
        if ledger is not None and ev.updated <= ledger.updated:
            if ev.updated == ledger.updated:
                result.unchanged += 1
            else:
                result.outdated += 1
            return
        held = dict(ledger.derived) if ledger is not None else {}
        why, outcome = "", CarrierOutcome.APPLIED
        if ev.retracted:
            self._undo(held, ev.updated)
            outcome = CarrierOutcome.RETRACTED
            result.retracted += 1
        else:
            why = self._kept_aside(ev)
            if why:
                self._undo(held, ev.updated)
                outcome = CarrierOutcome.KEPT_ASIDE
                result.kept_aside += 1
                result.shipments += ev.kind == "shipment"
            else:
                node = self.places.node(ev)
                if ev.kind == "equipment":
                    held = self._container(ev, node, held)
                    result.container_events += 1
                elif ev.mode == "RAIL":
                    held = self._rail(ev, node, held)
                    result.rail_events += 1
                else:
                    held = self._call(ev, node, held)
                    result.call_events += 1
        values = {
            "version": ev.version,
            "kind": ev.kind or (ledger.kind if ledger else ""),
            "code": ev.code or (ledger.code if ledger else ""),
            "updated": ev.updated,
            "outcome": outcome,
            "why": why,
            "derived": held,
            "body": ev.body or {},
            "via": self.via,
        }
        if ledger is None:
            CarrierEvent.objects.create(
                source=self.source, party=ev.party[:360], event_id=ev.event_id, **values
            )
        else:
            for name, value in values.items():
                setattr(ledger, name, value)
            ledger.versions += 1
            ledger.save()

    @staticmethod
    def _kept_aside(ev: TntEvent) -> str:
        """Why an event makes nothing in the corridor's figures ("" when it does)."""
        if ev.kind == "equipment":
            if ev.code not in EQUIPMENT_USED:
                return f"equipment event {ev.code}"
            if ev.classifier != "actual":
                return f"{ev.classifier} equipment event (only what happened moves a box)"
            return ""
        if ev.kind == "transport":
            if ev.code not in TRANSPORT_USED:
                return f"transport event {ev.code}"
            if ev.mode == "RAIL":
                return "" if ev.train else "a rail transport call without its train"
            if ev.mode in ("VESSEL", "BARGE"):
                return ""
            return f"transport by {ev.mode.lower() or 'an unnamed mode'}"
        return f"{ev.kind} event"


def apply_events(
    items: Iterable[TntEvent | Refusal], source: str, via: str, chunk: int = 500
) -> DcsaResult:
    """Apply parsed events (refusals from the parser are passed through) of `source`."""
    applier = Applier(source, via)
    batch: list[TntEvent] = []

    def flush() -> None:
        if not batch:
            return
        with transaction.atomic():
            lock_source(f"dcsa:{source}")
            for ev in batch:
                try:
                    with transaction.atomic():
                        applier.apply(ev)
                except Refused as exc:
                    applier.result.refused.append(
                        Refusal(ev.index, exc.reason, exc.detail, exc.field, ev.event_id[:64])
                    )
        batch.clear()

    for item in items:
        if isinstance(item, Refusal):
            applier.result.refused.append(item)
            continue
        batch.append(item)
        if len(batch) >= chunk:
            flush()
    flush()
    applier.result.refused.sort(key=lambda r: r.line)
    return applier.result


def ingest_objects(
    objects: Iterable[Any], source: str, via: str, version: str | None = None, first: int = 1
) -> DcsaResult:
    """Decoded events (a file's, a page's, a callback's) checked and applied."""
    return apply_events(parse_objects(objects, specs(), version, first=first), source, via)


def poll_feed(
    feed: CarrierFeed, session: requests.Session, counts: Counter[str] | None = None
) -> DcsaResult:
    """One poll of `feed`: every page from its watermark, each applied as it comes; the
    watermark moves on when the last page is read (a failure before leaves it, so the next
    poll reads those pages again and they change nothing). Raises what `poll_pages` raises."""
    counts = counts if counts is not None else Counter()
    total = DcsaResult()
    headers = {feed.auth_header: feed.auth_value} if feed.auth_header and feed.auth_value else {}
    first = 1
    for page in poll_pages(
        feed.base_url, feed.version, feed.watermark, counts, session, headers, feed.page_limit
    ):
        apply_page = partial(ingest_objects, page.events, feed.name, "poll", feed.version, first)
        total.add(with_reconnect(apply_page))
        first += len(page.events)
        counts["events"] += len(page.events)
    if total.latest and (feed.watermark is None or total.latest > feed.watermark):
        feed.watermark = total.latest
        with_reconnect(
            lambda: CarrierFeed.objects.filter(pk=feed.pk).update(watermark=feed.watermark)
        )
    return total


class FeedPoller:
    """Polls every active feed with an API root when it is due: every `interval_s`, later
    after failures (doubling, to 15 minutes) and as long as a 429's Retry-After asks. One
    feed's failure never stops the others; `counts` says what happened, per feed."""

    def __init__(
        self,
        session: requests.Session | None = None,
        clock: Any = time.time,
        only: str | None = None,
    ):
        self.only = only
        self.session = session or requests.Session()
        self.clock = clock
        self.pace: dict[str, Backoff] = {}
        self.due: dict[str, float] = {}
        self.counts: dict[str, Counter[str]] = {}

    def step(self) -> str:
        """Poll the feeds that are due; what each did."""
        said = []
        feeds = CarrierFeed.objects.filter(active=True).exclude(base_url="")
        for feed in feeds.filter(name=self.only) if self.only else feeds:
            if self.due.get(feed.name, 0.0) <= self.clock():
                said.append(self.poll(feed))
        return "; ".join(said) or "nothing due"

    def poll(self, feed: CarrierFeed) -> str:
        """Poll `feed` now; when to poll it next is set by how it went."""
        now = self.clock()
        pace = self.pace.setdefault(feed.name, Backoff(feed.interval_s, 900.0))
        counts = self.counts.setdefault(feed.name, Counter())
        try:
            result = poll_feed(feed, self.session, counts)
            wait = pace.succeeded()
            counts["polls"] += 1
            said = f"{feed.name}: {result.summary()}"
        except RateLimited as exc:
            counts["rate_limited"] += 1
            wait = pace.rate_limited(retry_after(exc.retry_after, self.clock()))
            said = f"{feed.name}: 429, next poll in {wait:.0f} s"
        except (requests.RequestException, ValueError) as exc:
            counts["poll_errors"] += 1
            wait = pace.failed()
            said = f"{feed.name}: {str(exc)[:120]}; next poll in {wait:.0f} s"
        self.due[feed.name] = now + wait
        return said
