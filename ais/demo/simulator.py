"""A deterministic AIS traffic simulator for the Beibu Gulf and the corridor's sea legs.

Pure and Django-free. Ships arrive along the routed sea lanes (`data/gis/sea_lanes.geojson`)
at Qinzhou, Beihai and Fangchenggang, may wait at the anchorage, berth, and leave for
Singapore, Hai Phong, Hong Kong and the other lanes' far ends; some only pass through. Every
report is a real AIVDM sentence encoded by pyais, with an NMEA 4.0 tag block (receiving
station and unix time), at realistic intervals (class A: 10 s under way, 3 min at anchor or
moored; class B: 30 s; static data every 6 min, type 5 in two sentences). A little noise is
mixed in (GNSS sentences, garbage, bad checksums, a fragment whose second half is lost).

The same seed gives the same feed. `Plan.calls` is the ground truth of every port call.
Times are unix seconds (UTC); coordinates lon/lat degrees; speeds knots.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import time
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from pyais import encode_dict
from pyais.util import checksum

from core.geodesy import KNOT_MS, bearing_deg, haversine_m

# Berth points (approximate, in water near each port area) and anchorages: Qinzhou's No. 1
# anchorage and Beihai's outer quarantine anchorage as published (data/gis/provenance/
# anchorages.csv); Fangchenggang's is approximate.
PORTS = {
    "QZ_PORT": {"berth": (108.607, 21.690), "anchorage": (108.604, 21.404), "station": "QZ-BASE"},
    "BH_PORT": {"berth": (109.070, 21.470), "anchorage": (109.002, 21.356), "station": "BH-BASE"},
    "FCG_PORT": {"berth": (108.360, 21.590), "anchorage": (108.40, 21.45), "station": "FCG-BASE"},
}
# Far ends that have no lane in sea_lanes.geojson: reached by straight legs offshore.
EXTRA_ENDS = {"HKG": (114.10, 22.20)}
SHIP_TYPES = [(70, 0.55), (71, 0.05), (80, 0.15), (60, 0.03), (52, 0.04), (30, 0.08), (90, 0.10)]

# The demo's cargo: the boxes a call really moved, the one place this truth is made. It is
# drawn apart from the AIS estimator (ports.services.estimates), which sees only positions
# and calls: its own capacity model (hull volume, not length alone), a share of the big cargo
# ships that carry bulk (AIS says "cargo" for both), a load factor per service (the lane a
# ship sails on) and per season, and empty boxes repositioned. The operators' monthly
# figures of the demo are the sums of these, so the AIS check's error is a real measurement.
CONTAINER_SHARE = 0.7  # of the big cargo ships (types 70, 71)
EMPTY_SHARE = 0.18  # empty boxes among those moved
SEASON = {
    1: 1.0,
    2: 0.72,
    3: 0.92,
    4: 0.98,
    5: 1.0,
    6: 1.02,
    7: 1.04,
    8: 1.06,
    9: 1.08,
    10: 1.1,
    11: 1.08,
    12: 1.02,
}  # Spring Festival in February, the autumn peak


def hull_capacity_teu(length_m: int, beam_m: int, draught_m: float) -> float:
    """A container ship's nominal capacity from its hull (length x beam x draught / 20.5:
    about 1,300 TEU at 150 m, 2,800 at 200 m, 8,400 at 300 m)."""
    return length_m * beam_m * draught_m / 20.5


def _dist_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_m(*a, *b)


class Polyline:
    """A polyline walked at constant speed: position and course at a distance along it."""

    def __init__(self, coords: list[tuple[float, float]]):
        self.coords = coords
        self.cum = [0.0]
        for a, b in pairwise(coords):
            self.cum.append(self.cum[-1] + _dist_m(a, b))
        self.length = self.cum[-1]

    def at(self, d: float) -> tuple[float, float, float]:
        d = min(max(d, 0.0), self.length)
        i = min(bisect_right(self.cum, d) - 1, len(self.coords) - 2)
        a, b = self.coords[i], self.coords[i + 1]
        seg = self.cum[i + 1] - self.cum[i]
        t = 0.0 if seg == 0 else (d - self.cum[i]) / seg
        return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), bearing_deg(a, b)


@dataclass
class Phase:
    """A stretch of a voyage: sailing a path, or staying at a point (anchor or berth)."""

    start: float
    end: float
    kind: str  # "sail", "anchor", "berth"
    path: Polyline | None = None
    point: tuple[float, float] | None = None
    speed_kn: float = 0.0


@dataclass
class Ship:
    mmsi: int
    name: str
    callsign: str
    imo: int
    ship_type: int
    length_m: int
    beam_m: int
    draught_m: float
    class_b: bool
    destination: str
    phases: list[Phase] = field(default_factory=list)
    jitter: tuple[float, float] = (0.0, 0.0)

    @property
    def start(self) -> float:
        return self.phases[0].start

    @property
    def end(self) -> float:
        return self.phases[-1].end

    def state(self, t: float) -> tuple[float, float, float, float, int] | None:
        """(lon, lat, sog_kn, cog_deg, nav_status) at time t, None outside the voyage."""
        for ph in self.phases:
            if ph.start <= t < ph.end:
                if ph.kind == "sail":
                    lon, lat, course = ph.path.at((t - ph.start) * ph.speed_kn * KNOT_MS)
                    return lon, lat, ph.speed_kn, course, 0
                lon, lat = ph.point
                if ph.kind == "anchor":
                    # Swinging round the anchor: a few tens of metres, slowly.
                    a = (t / 900.0) + self.mmsi % 7
                    return (
                        lon + 0.0004 * math.cos(a),
                        lat + 0.0003 * math.sin(a),
                        0.2,
                        (math.degrees(a) + 90) % 360,
                        1,
                    )
                return lon, lat, 0.0, 0.0, 5
        return None


@dataclass(frozen=True)
class CallTruth:
    """A port call as the simulator made it (unix seconds), and the boxes it really moved
    at the berth (`teu`, loaded and unloaded, `empty_teu` of them empty; 0 for a ship that
    carries no containers)."""

    mmsi: int
    port: str
    arrival_s: float  # entering the port area (anchorage or berth approach)
    anchor_start_s: float | None
    anchor_end_s: float | None
    berth_start_s: float
    berth_end_s: float
    departure_s: float
    teu: float = 0.0
    empty_teu: float = 0.0


@dataclass
class Plan:
    ships: list[Ship]
    calls: list[CallTruth]


def load_lanes(path: Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    doc = json.loads(path.read_text())
    lanes = {}
    for f in doc["features"]:
        coords = [tuple(c) for c in f["geometry"]["coordinates"]]
        lanes[(f["properties"]["from"], f["properties"]["to"])] = coords
    return lanes


def _cut(coords: list[tuple[float, float]], max_m: float) -> list[tuple[float, float]]:
    """The first max_m metres of a polyline."""
    path = Polyline(coords)
    if path.length <= max_m:
        return coords
    out = [coords[0]]
    for c, d in zip(coords[1:], path.cum[1:], strict=False):
        if d >= max_m:
            lon, lat, _ = path.at(max_m)
            out.append((lon, lat))
            break
        out.append(c)
    return out


class Simulator:
    """Plans voyages and renders them as AIVDM lines. `area_m` is how far out from the
    ports ships are simulated (the receivers' range)."""

    def __init__(
        self, lanes: dict, seed: int = 1, area_m: float = 120_000.0, load_bias: float = 1.0
    ):
        self.rng = random.Random(seed)
        self.area_m = area_m
        self.lanes = lanes
        self._mmsi = 412_000_000 + self.rng.randrange(100_000)
        # The cargo has a generator of its own: the traffic stays the same whatever it draws.
        self.cargo_rng = random.Random(seed * 7919 + 1)
        self.load_bias = load_bias  # a multiplier planted in every load factor (tests)
        self._carries: dict[int, bool] = {}
        self._service_load: dict[str, float] = {}

    def boxes(self, ship: Ship, service: str, berth_start_s: float) -> tuple[float, float]:
        """(TEU moved, of them empty) by a call of `ship` on `service` berthing then."""
        rng = self.cargo_rng
        if ship.ship_type not in (70, 71) or ship.length_m < 150:
            return 0.0, 0.0
        if ship.mmsi not in self._carries:
            self._carries[ship.mmsi] = rng.random() < CONTAINER_SHARE
        if not self._carries[ship.mmsi]:
            return 0.0, 0.0  # a bulk carrier: AIS calls it cargo all the same
        if service not in self._service_load:
            self._service_load[service] = rng.uniform(0.3, 0.6)
        month = time.gmtime(berth_start_s).tm_mon
        load = self._service_load[service] * SEASON[month] * self.load_bias
        capacity = hull_capacity_teu(ship.length_m, ship.beam_m, ship.draught_m)
        full = capacity * load * rng.uniform(0.85, 1.15)  # unloaded and loaded, both ways
        empty = full * EMPTY_SHARE / (1 - EMPTY_SHARE)
        return round(full + empty, 1), round(empty, 1)

    # -- planning -------------------------------------------------------------------------

    def _outer_paths(self, port: str) -> list[tuple[str, list[tuple[float, float]]]]:
        """Paths from the port out to the edge of the area, one per lane or extra end."""
        berth = PORTS[port]["berth"]
        out = []
        for (a, b), coords in self.lanes.items():
            if a == port:
                out.append((b, [berth, *coords[1:]]))
        for name, end in EXTRA_ENDS.items():
            out.append((name, [berth, (berth[0] + 0.3, berth[1] - 0.6), end]))
        return [(name, _cut(c, self.area_m)) for name, c in out]

    def _ship(self) -> Ship:
        rng = self.rng
        self._mmsi += rng.randrange(1, 50)
        ship_type = rng.choices([t for t, _ in SHIP_TYPES], [w for _, w in SHIP_TYPES])[0]
        big = ship_type in (70, 71, 80)
        length = rng.randrange(150, 300) if big else rng.randrange(20, 120)
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        name = (
            rng.choice(
                ["BEIBU", "GUI", "QIN", "ZHONG", "HAI", "XIN", "YU", "NAN", "LIANHE", "ORIENT"]
            )
            + " "
            + rng.choice(["PIONEER", "STAR", "GLORY", "HOPE", "TRADER", "LINK", "BRIDGE", "SPIRIT"])
        )
        return Ship(
            mmsi=self._mmsi,
            name=f"{name} {rng.randrange(1, 30)}",
            callsign="B" + "".join(rng.choice(letters) for _ in range(4)),
            imo=9_000_000 + rng.randrange(900_000) if big else 0,
            ship_type=ship_type,
            length_m=length,
            beam_m=max(6, length // 7),
            draught_m=round(rng.uniform(4.0, 13.5) if big else rng.uniform(1.5, 6.0), 1),
            class_b=not big and rng.random() < 0.5,
            destination="",
            jitter=(rng.uniform(-0.004, 0.004), rng.uniform(-0.003, 0.003)),
        )

    def plan(
        self,
        start: float,
        duration_s: float,
        arrivals_per_hour: float = 12.0,
        pass_through_share: float = 0.15,
        initial: int = 0,
    ) -> Plan:
        """Voyages starting in [start - ..., start + duration_s). `initial` ships are
        already under way or in port at `start`, so a live feed shows traffic at once."""
        rng = self.rng
        ships, calls = [], []
        t = start
        begin_times = [start - rng.uniform(0, 6 * 3600) for _ in range(initial)]
        while True:
            t += rng.expovariate(arrivals_per_hour / 3600.0)
            if t >= start + duration_s:
                break
            begin_times.append(t)
        for t0 in sorted(begin_times):
            ship = self._ship()
            port = rng.choice(list(PORTS))
            paths = self._outer_paths(port)
            (_, inbound), (dst, outbound) = rng.sample(paths, 2)
            inbound = list(reversed(inbound))
            speed = round(rng.uniform(9.0, 15.0) if ship.ship_type != 30 else 8.0, 1)
            ship.destination = dst if rng.random() < 0.9 else port.split("_")[0]
            if rng.random() < pass_through_share:
                # Through the area without stopping: in on one lane, out on another.
                path = Polyline(inbound + outbound[1:])
                t_end = t0 + path.length / (speed * KNOT_MS)
                ship.phases = [Phase(t0, t_end, "sail", path=path, speed_kn=speed)]
                ships.append(ship)
                continue
            berth = (
                PORTS[port]["berth"][0] + ship.jitter[0],
                PORTS[port]["berth"][1] + ship.jitter[1],
            )
            inbound[-1] = berth
            approach = Polyline(inbound)
            t_arr = t0 + approach.length / (speed * KNOT_MS)
            phases: list[Phase] = []
            anchor_start = anchor_end = None
            if rng.random() < 0.5:
                # Wait at the anchorage: sail to it, stay, then go in.
                anchorage = (
                    PORTS[port]["anchorage"][0] + ship.jitter[0] * 3,
                    PORTS[port]["anchorage"][1] + ship.jitter[1] * 3,
                )
                to_anchor = Polyline([*inbound[:-1], anchorage])
                anchor_start = t0 + to_anchor.length / (speed * KNOT_MS)
                anchor_end = anchor_start + rng.uniform(2, 30) * 3600
                phases.append(Phase(t0, anchor_start, "sail", path=to_anchor, speed_kn=speed))
                phases.append(Phase(anchor_start, anchor_end, "anchor", point=anchorage))
                last = Polyline([anchorage, berth])
                t_arr = anchor_end + last.length / (6.0 * KNOT_MS)
                phases.append(Phase(anchor_end, t_arr, "sail", path=last, speed_kn=6.0))
            else:
                phases.append(Phase(t0, t_arr, "sail", path=approach, speed_kn=speed))
            berth_end = t_arr + rng.uniform(6, 40) * 3600
            phases.append(Phase(t_arr, berth_end, "berth", point=berth))
            outbound[0] = berth
            leave = Polyline(outbound)
            phases.append(
                Phase(
                    berth_end,
                    berth_end + leave.length / (speed * KNOT_MS),
                    "sail",
                    path=leave,
                    speed_kn=speed,
                )
            )
            ship.phases = phases
            ships.append(ship)
            teu, empty = self.boxes(ship, f"{port}-{dst}", t_arr)
            calls.append(
                CallTruth(
                    ship.mmsi,
                    port,
                    arrival_s=anchor_start if anchor_start is not None else t_arr - 1800,
                    anchor_start_s=anchor_start,
                    anchor_end_s=anchor_end,
                    berth_start_s=t_arr,
                    berth_end_s=berth_end,
                    departure_s=berth_end + 1800,
                    teu=teu,
                    empty_teu=empty,
                )
            )
        return Plan(ships, calls)

    # -- rendering ------------------------------------------------------------------------

    def sentences(
        self,
        plan: Plan,
        start: float,
        end: float,
        noise: float = 0.01,
        stamp=None,
        sparse: float = 1.0,
    ) -> Iterator[tuple[float, str]]:
        """(unix time, line) of every report between start and end, in time order.
        `stamp(t)` maps simulation time to the time written in the tag block (a time-lapse
        feed stamps wall-clock times); by default they are the same. `sparse` stretches the
        reporting intervals (30: a report every 5 minutes under way), for weeks of history
        at a fraction of the volume."""
        rng = self.rng
        heap: list[tuple[float, int, int]] = []
        for i, ship in enumerate(plan.ships):
            first = max(ship.start, start) + rng.uniform(0, 10)
            heapq.heappush(heap, (first, i, 0))
        seq = 0
        while heap:
            t, i, n = heapq.heappop(heap)
            if t >= end:
                continue
            t = float(math.ceil(t))  # tag blocks carry whole seconds (never before the start)
            ship = plan.ships[i]
            state = ship.state(t)
            if state is None:
                continue
            lon, lat, sog, cog, status = state
            station = self._station(lon, lat)
            stamped = stamp(t) if stamp else t
            if n % 36 == 0:  # static data every 36 reports (6 min under way)
                seq = (seq + 1) % 10
                for line in self._static(ship, seq):
                    yield t, self._tag(station, stamped, line)
            for line in self._position(ship, lon, lat, sog, cog, status):
                yield t, self._tag(station, stamped, line)
            if noise and rng.random() < noise:
                yield t, self._noise(station, stamped)
            # Class A every 10 s under way, class B every 30 s; 3 min at anchor or moored.
            step = (180.0 if sog <= 2 else (30.0 if ship.class_b else 10.0)) * sparse
            heapq.heappush(heap, (t + step * rng.uniform(0.9, 1.1), i, n + 1))

    @staticmethod
    def _station(lon: float, lat: float) -> str:
        best = min(PORTS.values(), key=lambda p: _dist_m(p["berth"], (lon, lat)))
        return best["station"] if _dist_m(best["berth"], (lon, lat)) < 150_000 else "SAT-1"

    @staticmethod
    def _tag(station: str, t: float, line: str) -> str:
        # Whole seconds, as most receivers write; a time-lapse feed (fractional stamps)
        # writes milliseconds so that its reports stay distinct.
        body = f"s:{station},c:{int(t)}" if t == int(t) else f"s:{station},c:{round(t * 1000)}"
        return f"\\{body}*{checksum(body.encode()):02X}\\{line}"

    def _position(self, ship: Ship, lon, lat, sog, cog, status) -> list[str]:
        heading = round(cog) % 360 if sog > 0.5 else 511
        data = {
            "mmsi": ship.mmsi,
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "speed": round(sog, 1),
            "course": round(cog, 1),
            "heading": heading,
        }
        if ship.class_b:
            data["type"] = 18
        else:
            data.update(type=1 if status != 5 else 3, status=status)
        return encode_dict(
            data, talker_id="AI", sentence_type="VDM", radio_channel=self.rng.choice("AB")
        )

    def _static(self, ship: Ship, seq: int) -> list[str]:
        dims = {
            "to_bow": ship.length_m * 2 // 3,
            "to_stern": ship.length_m - ship.length_m * 2 // 3,
            "to_port": ship.beam_m // 2,
            "to_starboard": ship.beam_m - ship.beam_m // 2,
        }
        if ship.class_b:
            a = encode_dict(
                {"type": 24, "mmsi": ship.mmsi, "partno": 0, "shipname": ship.name},
                talker_id="AI",
                sentence_type="VDM",
            )
            b = encode_dict(
                {
                    "type": 24,
                    "mmsi": ship.mmsi,
                    "partno": 1,
                    "ship_type": ship.ship_type,
                    "callsign": ship.callsign,
                    **dims,
                },
                talker_id="AI",
                sentence_type="VDM",
            )
            return a + b
        return encode_dict(
            {
                "type": 5,
                "mmsi": ship.mmsi,
                "imo": ship.imo,
                "callsign": ship.callsign,
                "shipname": ship.name,
                "ship_type": ship.ship_type,
                "draught": ship.draught_m,
                "destination": ship.destination,
                **dims,
            },
            talker_id="AI",
            sentence_type="VDM",
            radio_channel=self.rng.choice("AB"),
            seq_id=seq,
        )

    def _noise(self, station: str, t: float) -> str:
        kind = self.rng.randrange(4)
        if kind == 0:
            return "$GPRMC,123519,A,2143.000,N,10835.000,E,000.0,000.0,261126,,,A*7C"
        if kind == 1:
            return "\x00\x13garbage-from-a-serial-line"
        if kind == 2:  # a checksum that does not match
            return self._tag(station, t, "!AIVDM,1,1,,A,169oQ@@P1s7hwv0<HSc7onD1P000,0*00")
        # The first half of a two-part message whose second half is lost.
        first = encode_dict(
            {"type": 5, "mmsi": 413999999, "shipname": "LOST HALF"},
            talker_id="AI",
            sentence_type="VDM",
            seq_id=9,
        )[0]
        return self._tag(station, t, first)


def monthly_teu(
    calls: list[CallTruth], first_s: float, last_s: float
) -> dict[tuple[str, str], float]:
    """(port, "YYYY-MM") -> TEU the calls berthing in [first_s, last_s) moved: what the
    demo's operators report."""
    out: dict[tuple[str, str], float] = {}
    for call in calls:
        if first_s <= call.berth_start_s < last_s and call.teu:
            key = (call.port, time.strftime("%Y-%m", time.gmtime(call.berth_start_s)))
            out[key] = out.get(key, 0.0) + call.teu
    return out
