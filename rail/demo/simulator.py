"""A deterministic rail traffic simulator for the corridor (pure: no Django).

Sea-rail trains run between the Chongqing and Chengdu terminals and Qinzhou Port East on the
east, middle and west channels (some on to Beihai and Fangchenggang), China-Vietnam trains
via Pingxiang and China-Laos trains via Mohan. Frequencies follow the published totals
(about 10,000 sea-rail trains a year corridor-wide in 2025, ~27 a day both ways; data/gis/
provenance/facts.md 3.2); cross-border trains about one a day each way.

Each train yields feed messages (dicts in the JSON-lines format of `rail.ingest.events`):
planned events a day ahead (booked = original plan, except ~10 % re-planned), then actual
events as they happen: departure, passes or stops at the stations on the way, arrival.
Delays: most trains leave within 10 minutes of plan, some up to hours (a long tail), and gain
or lose time on each leg; ~2 % are cancelled before departure (some reinstated); ~1 % of
actual events are corrected later (a new revision). A share of sea-rail trains list their
container numbers (valid ISO 6346); at the port those containers are loaded on container
ships whose calls are given (`vessel_calls`, e.g. the AIS simulator's ground truth), and
northbound trains carry boxes discharged from those ships: sea-rail hand-overs can be
measured end to end. The same seed gives the same messages. Times are unix seconds (UTC)
inside, ISO 8601 with offset in the messages.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ..ingest.events import container_number

DAY = 86400.0
BEIJING = timedelta(hours=8)


@dataclass(frozen=True)
class Service:
    """A train service: its stations in order, route, type, and trains a day (one way)."""

    code: str
    route: str
    service_type: str
    stations: tuple[str, ...]
    per_day: float
    stops: tuple[str, ...] = ()  # stations where it stops (else passes)


# ~27 sea-rail trains a day both ways: east 7, middle 10, west 7 (some to Beihai and
# Fangchenggang), plus China-Vietnam and China-Laos through trains.
SERVICES: tuple[Service, ...] = (
    Service("E", "E", "sea_rail", ("CQ_TJC", "HH", "LZH", "QZ_EAST"), 3.0, ("LZH",)),
    Service("E-BH", "E", "sea_rail", ("CQ_TJC", "HH", "LZH", "QZ_EAST", "BH_PORT"), 0.5),
    Service("M", "M", "sea_rail", ("CQ_TJC", "ZY", "GY", "NN", "QZ_EAST"), 4.5, ("GY",)),
    Service("M-FCG", "M", "sea_rail", ("CQ_TJC", "ZY", "GY", "NN", "QZ_EAST", "FCG_PORT"), 0.5),
    Service("W", "W", "sea_rail", ("CD_QBJ", "LZ", "BS", "QZ_EAST"), 3.5, ("BS",)),
    Service("VN", "VN-RAIL", "international", ("CQ_TJC", "LZH", "NN", "PX"), 1.0, ("NN",)),
    Service("LA", "LA-RAIL", "international", ("CQ_XNY", "KM", "MH"), 1.0, ("KM",)),
)
PORT_OF_STATION = {"QZ_EAST": "QZ_PORT", "BH_PORT": "BH_PORT", "FCG_PORT": "FCG_PORT"}
SPEED_KMH = 48.0  # freight average between stations, stops excluded
OWNERS = ("CXDU", "TGHU", "SEGU", "CBHU", "BMOU", "OOLU", "TCNU", "FCIU")


@dataclass(frozen=True)
class VesselCall:
    """A container ship's call at a port (unix seconds)."""

    mmsi: int
    port: str
    berth_start_s: float
    berth_end_s: float
    departure_s: float


@dataclass
class TrainPlan:
    number: str
    service_date: date
    service: Service
    southbound: bool
    stations: tuple[str, ...]
    original: list[tuple[float | None, float | None]]  # (arrival, departure) per station
    booked: list[tuple[float | None, float | None]]
    actual: list[tuple[float | None, float | None]]
    cancelled: bool = False
    reinstated: bool = False
    teu: int = 0
    wagons: int = 0
    containers: list[str] = field(default_factory=list)


def iso(t: float) -> str:
    """ISO 8601 in Beijing time (the railways' clock), with its offset."""
    return (datetime.fromtimestamp(t, UTC) + BEIJING).strftime("%Y-%m-%dT%H:%M:%S+08:00")


class RailSimulator:
    def __init__(
        self,
        lengths_m: dict[tuple[str, str], float],
        seed: int = 1,
        services: Sequence[Service] = SERVICES,
        container_share: float = 0.3,
    ):
        self.seed = seed
        self.rng = random.Random(seed)
        self.lengths = lengths_m
        self.services = services
        self.container_share = container_share
        self._serial = 0

    def _leg_s(self, a: str, b: str) -> float:
        metres = self.lengths.get((a, b)) or self.lengths.get((b, a)) or 300_000.0
        return metres / 1000.0 / SPEED_KMH * 3600.0

    def _delay(self) -> float:
        """A departure delay in seconds: mostly small, a long tail."""
        r = self.rng.random()
        if r < 0.6:
            return self.rng.uniform(-120, 600)
        if r < 0.9:
            return self.rng.uniform(600, 3600)
        return self.rng.expovariate(1 / 10800.0) + 3600

    def _containers(self, n: int) -> list[str]:
        numbers = []
        for _ in range(n):
            self._serial += self.rng.randrange(1, 40)
            numbers.append(container_number(self.rng.choice(OWNERS), self._serial))
        return numbers

    def plan(self, start_s: float, days: float) -> list[TrainPlan]:
        """Every train departing in [start_s, start_s + days). Each service date is drawn
        from its own seed, so a day's trains are the same whatever the window."""
        trains: list[TrainPlan] = []
        day0 = (datetime.fromtimestamp(start_s, UTC) + BEIJING).date()
        for d in range(-1, int(days) + 2):
            service_date = day0 + timedelta(days=d)
            rng = self.rng = random.Random(f"{self.seed}:{service_date}")
            self._serial = rng.randrange(10**6)
            midnight = datetime(service_date.year, service_date.month, service_date.day, tzinfo=UTC)
            base = midnight.timestamp() - BEIJING.total_seconds()  # 00:00 Beijing
            for service in self.services:
                for southbound in (True, False):
                    count = int(service.per_day) + (rng.random() < service.per_day % 1)
                    for i in range(count):
                        dep = base + rng.uniform(0, DAY)
                        # Drawn whether kept or not, so a day is the same in any window.
                        train = self._train(service, southbound, service_date, i, dep)
                        if start_s <= dep < start_s + days * DAY:
                            trains.append(train)
        trains.sort(key=lambda t: t.booked[0][1] or 0.0)
        return trains

    def _train(
        self, service: Service, southbound: bool, day: date, i: int, dep: float
    ) -> TrainPlan:
        rng = self.rng
        stations = service.stations if southbound else tuple(reversed(service.stations))
        prefix = {"sea_rail": "X9", "international": "X8"}.get(service.service_type, "X7")
        number = f"{prefix}{service.code.replace('-', '')}{'S' if southbound else 'N'}{i:02d}"
        original: list[tuple[float | None, float | None]] = []
        t = dep
        for k, station in enumerate(stations):
            if k == 0:
                original.append((None, t))
                continue
            t += self._leg_s(stations[k - 1], station)
            if k == len(stations) - 1:
                original.append((t, None))
            elif station in service.stops:
                original.append((t, t + rng.uniform(1800, 3 * 3600)))
                t = original[-1][1] or t
            else:
                original.append((t, t))  # a pass
        shift = rng.choice([-1, 1]) * rng.uniform(3600, 6 * 3600) if rng.random() < 0.1 else 0.0
        booked = [(a + shift if a else a, d + shift if d else d) for a, d in original]
        actual: list[tuple[float | None, float | None]] = []
        late = self._delay()
        for k, (a, d) in enumerate(booked):
            if k:
                late = max(-900.0, late + rng.gauss(0, 600) + rng.expovariate(1 / 300.0))
            arr = a + late if a is not None else None
            if d is None:
                actual.append((arr, None))
                continue
            dwell_late = rng.expovariate(1 / 600.0) if k and a != d else 0.0
            departure = max(d + late + dwell_late, arr or d + late)
            late = departure - d
            actual.append((arr, departure))
        cancelled = rng.random() < 0.02
        sea_rail = service.service_type == "sea_rail"
        wagons = rng.randrange(40, 56) if sea_rail else rng.randrange(30, 46)
        teu = wagons * 2 - rng.randrange(0, 12)
        plan = TrainPlan(
            number=number,
            service_date=day,
            service=service,
            southbound=southbound,
            stations=stations,
            original=original,
            booked=booked,
            actual=actual,
            cancelled=cancelled,
            reinstated=cancelled and rng.random() < 0.3,
            teu=teu,
            wagons=wagons,
        )
        if sea_rail and rng.random() < self.container_share:
            plan.containers = self._containers(teu // 2)
        return plan

    # -- messages ------------------------------------------------------------------------
    def messages(
        self,
        trains: Sequence[TrainPlan],
        vessel_calls: Sequence[VesselCall] = (),
        until_s: float | None = None,
    ) -> list[tuple[float, dict[str, object]]]:
        """(time sent, message) of every train, in the order a feed would send them; only
        messages sent before `until_s` when given (actual events happen as time passes)."""
        out: list[tuple[float, dict[str, object]]] = []
        calls_by_port: dict[str, list[VesselCall]] = {}
        for c in sorted(vessel_calls, key=lambda c: c.departure_s):
            calls_by_port.setdefault(c.port, []).append(c)
        for train in trains:
            out.extend(self._train_messages(train, calls_by_port))
        out.sort(key=lambda m: m[0])
        if until_s is not None:
            out = [m for m in out if m[0] <= until_s]
        return out

    def _base(self, train: TrainPlan, station: str) -> dict[str, object]:
        return {
            "train": train.number,
            "service_date": train.service_date.isoformat(),
            "service_type": train.service.service_type,
            "route": train.service.route,
            "origin": train.stations[0],
            "destination": train.stations[-1],
            "location": station,
            "tz": "Asia/Shanghai",
            "source": "sim-rail",
        }

    def _train_messages(
        self, train: TrainPlan, calls_by_port: dict[str, list[VesselCall]]
    ) -> Iterator[tuple[float, dict[str, object]]]:
        rng = self.rng = random.Random(f"{self.seed}:{train.number}:{train.service_date}")
        first_dep = train.booked[0][1]
        assert first_dep is not None
        planned_at = min(first_dep, train.original[0][1] or first_dep) - DAY
        seq = 0

        def msg_id() -> str:
            nonlocal seq
            seq += 1
            return f"{train.number}-{train.service_date:%Y%m%d}-{seq}"

        for k, station in enumerate(train.stations):
            for kind, idx in (("arrival", 0), ("departure", 1)):
                booked = train.booked[k][idx]
                if booked is None:
                    continue
                if 0 < k < len(train.stations) - 1 and train.booked[k][0] == train.booked[k][1]:
                    if kind == "departure":
                        continue
                    kind = "pass"
                original = train.original[k][idx]
                event: dict[str, object] = {
                    **self._base(train, station),
                    "event": kind,
                    "classifier": "planned",
                    "booked": iso(booked),
                    "original": iso(original) if original else None,
                    "message_id": msg_id(),
                }
                if k == 0:
                    event["wagons"] = train.wagons
                    event["teu"] = train.teu
                yield planned_at, event
        if train.cancelled:
            yield (
                planned_at + DAY / 2,
                {
                    **self._base(train, train.stations[0]),
                    "event": "cancellation",
                    "classifier": "actual",
                    "actual": iso(planned_at + DAY / 2),
                    "delay_cause": rng.choice(["10", "31", "40", "81"]),
                    "message_id": msg_id(),
                },
            )
            if not train.reinstated:
                return
            yield (
                planned_at + DAY * 0.7,
                {
                    **self._base(train, train.stations[0]),
                    "event": "reinstatement",
                    "classifier": "actual",
                    "actual": iso(planned_at + DAY * 0.7),
                    "message_id": msg_id(),
                },
            )
        for k, station in enumerate(train.stations):
            arr, dep = train.actual[k]
            b_arr, b_dep = train.booked[k]
            through = 0 < k < len(train.stations) - 1 and b_arr == b_dep
            for kind, t, booked in (("arrival", arr, b_arr), ("departure", dep, b_dep)):
                if t is None or booked is None:
                    continue
                if through:
                    if kind == "departure":
                        continue
                    kind = "pass"
                orig = train.original[k][0 if kind != "departure" else 1]
                event = {
                    **self._base(train, station),
                    "event": kind,
                    "classifier": "actual",
                    "actual": iso(t),
                    "booked": iso(booked),
                    "original": iso(orig) if orig else None,
                    "message_id": msg_id(),
                }
                late = t - booked
                if late > 1800:
                    event["delay_cause"] = rng.choice(["10", "20", "31", "40", "52", "61", "81"])
                if k == 0 and kind == "departure":
                    event["wagons"] = train.wagons
                    event["teu"] = train.teu
                    if train.containers and train.southbound:
                        event["containers"] = train.containers
                last = k == len(train.stations) - 1
                if last and kind == "arrival" and train.containers and train.southbound:
                    event["containers"] = train.containers
                if k == 0 and kind == "departure" and train.containers and not train.southbound:
                    event["containers"] = train.containers
                yield t, event
                if rng.random() < 0.01:  # a correction a little later
                    fixed = dict(event)
                    sign = 1 if kind == "departure" else -1  # keeps arrival <= departure
                    fixed["actual"] = iso(t + sign * rng.uniform(60, 900))
                    fixed["revision"] = 1
                    yield t + rng.uniform(600, 7200), fixed
        yield from self._handovers(train, calls_by_port)

    def _handovers(
        self, train: TrainPlan, calls_by_port: dict[str, list[VesselCall]]
    ) -> Iterator[tuple[float, dict[str, object]]]:
        """Boxes of a southbound train loaded on the next ship leaving the port 12-96 h after
        the train arrives; boxes of a northbound train discharged from a ship that berthed
        12-96 h before the train left."""
        if not train.containers or train.cancelled:
            return
        station = train.stations[-1] if train.southbound else train.stations[0]
        port = PORT_OF_STATION.get(station)
        calls = calls_by_port.get(port or "", [])
        if not calls:
            return
        rng = self.rng
        if train.southbound:
            arrived = train.actual[-1][0]
            assert arrived is not None
            for number in train.containers:
                ready = arrived + rng.uniform(3600, 8 * 3600)
                gate_in = {"event": "gate_in", "at": iso(ready)}
                want = arrived + rng.uniform(12, 96) * 3600
                call = next((c for c in calls if c.berth_end_s >= want), None)
                if call is None:
                    continue
                loaded = max(call.berth_start_s, min(call.berth_end_s, ready + 3600))
                for extra, t in ((gate_in, ready), ({"event": "load", "at": iso(loaded)}, loaded)):
                    yield (
                        t,
                        {
                            "container": number,
                            "location": port,
                            "tz": "Asia/Shanghai",
                            "source": "sim-terminal",
                            **({"vessel_mmsi": call.mmsi} if extra["event"] == "load" else {}),
                            **extra,
                        },
                    )
        else:
            left = train.actual[0][1]
            assert left is not None
            for number in train.containers:
                before = left - rng.uniform(12, 96) * 3600
                call = next((c for c in reversed(calls) if c.berth_start_s <= before), None)
                if call is None:
                    continue
                t = min(call.berth_end_s, max(call.berth_start_s, before))
                yield (
                    t,
                    {
                        "container": number,
                        "event": "discharge",
                        "location": port,
                        "at": iso(t),
                        "vessel_mmsi": call.mmsi,
                        "tz": "Asia/Shanghai",
                        "source": "sim-terminal",
                    },
                )
