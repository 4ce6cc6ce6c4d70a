"""Port-call detection from vessel positions: a pure, Django-free state machine.

Pure: no database, no Django; `portcalls.services.calls` feeds it and stores its calls.

A **port call** is a vessel inside a port's limit, slow (speed at or under the rule's
threshold) for at least the rule's minimum stay; it ends when the vessel leaves the limit
(past an exit hysteresis) or stops reporting for longer than the gap timeout. Passing
through a port's waters without stopping is not a call. While inside, time spent slow in an
anchorage fence before the first berth stop is the **anchorage wait**; the berth start and
end are the first and last slow reports inside a berth (terminal) fence.

The same `VesselTracker.feed` serves the incremental path (positions as they arrive) and the
batch path (`detect_calls` over a time-ordered list), so both give the same calls. Times
are unix seconds (UTC); coordinates lon/lat degrees; speeds knots; distances metres.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from core.geodesy import KNOT_MS, haversine_m


@dataclass(frozen=True)
class Rule:
    """Detection parameters of a port (a stored, versioned row; see DetectionRule)."""

    version: int = 1
    speed_kn: float = 1.0
    min_stay_s: float = 1800.0
    gap_timeout_s: float = 6 * 3600.0
    exit_hysteresis_m: float = 1000.0


# The rule a port gets until someone changes it (DetectionRule's defaults are these).
DEFAULT_RULE = Rule()


@dataclass
class PortFences:
    """A port's fences (lon/lat polygons): the limit, berths and anchorages."""

    port: str
    limit: BaseGeometry
    berths: BaseGeometry | None = None
    anchorages: BaseGeometry | None = None

    def __post_init__(self) -> None:
        lat = self.limit.centroid.y
        self._m_per_deg = 111_320.0 * math.cos(math.radians(lat))
        for geom in (self.limit, self.berths, self.anchorages):
            if geom is not None:
                shapely.prepare(geom)

    def inside_limit(self, lon: float, lat: float, margin_m: float = 0.0) -> bool:
        if margin_m <= 0:
            return bool(self.limit.contains(Point(lon, lat)))
        return self.outside_m(lon, lat) <= margin_m

    def outside_m(self, lon: float, lat: float) -> float:
        """How far outside the port limit a point is, metres (0 inside)."""
        return float(self.limit.distance(Point(lon, lat))) * self._m_per_deg

    def outside_m_array(self, lon: np.ndarray, lat: np.ndarray, within_m: float) -> np.ndarray:
        """`outside_m` of many points at once, exact (the same GEOS distance) for every
        point within `within_m` of the limit; +inf for the points farther out, whose
        distance is not computed. Cheap tests first: the bounding box, then a prepared
        buffer of the limit a tenth wider than `within_m` (its chords lie inside the true
        offset curve, so nothing within `within_m` falls outside it), then "inside" (0);
        the exact distance only for the thin ring left."""
        out = np.full(lon.shape, np.inf)
        reach = 1.1 * within_m / self._m_per_deg + 1e-7
        west, south, east, north = self.limit.bounds
        box = (lon >= west - reach) & (lon <= east + reach)
        box &= (lat >= south - reach) & (lat <= north + reach)
        rows = np.flatnonzero(box)
        if rows.size:
            rows = rows[shapely.intersects_xy(self._reach(reach), lon[rows], lat[rows])]
            inside = shapely.contains_xy(self.limit, lon[rows], lat[rows])
            out[rows[inside]] = 0.0  # the distance of a point inside is exactly 0
            ring = rows[~inside]
            if ring.size:
                points = shapely.points(lon[ring], lat[ring])
                out[ring] = shapely.distance(self.limit, points) * self._m_per_deg
        return out

    def _reach(self, degrees: float) -> BaseGeometry:
        cached = getattr(self, "_reach_cache", None)
        if cached is None or cached[0] != degrees:
            geom = self.limit.buffer(degrees)
            shapely.prepare(geom)
            cached = self._reach_cache = (degrees, geom)
        return cached[1]

    def zones_array(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """`zone` of many points at once: 2 berth, 1 anchorage, 0 elsewhere in the port."""
        zone = np.zeros(lon.shape, dtype=np.int8)
        if self.anchorages is not None:
            zone[shapely.contains_xy(self.anchorages, lon, lat)] = 1
        if self.berths is not None:
            zone[shapely.contains_xy(self.berths, lon, lat)] = 2
        return zone

    def zone(self, lon: float, lat: float) -> str:
        p = Point(lon, lat)
        if self.berths is not None and self.berths.contains(p):
            return "berth"
        if self.anchorages is not None and self.anchorages.contains(p):
            return "anchorage"
        return "port"


@dataclass(frozen=True)
class Call:
    """A detected port call (unix seconds); `anchorage_wait_s` seconds. `stable_id` is the
    same whenever the same visit is detected with the same rule version."""

    mmsi: int
    port: str
    rule_version: int
    arrival_s: float
    departure_s: float | None
    berth_start_s: float | None
    berth_end_s: float | None
    anchorage_start_s: float | None
    anchorage_end_s: float | None

    @property
    def anchorage_wait_s(self) -> float | None:
        """Time spent (slow) in the anchorage before the berth, seconds."""
        if self.anchorage_start_s is None or self.anchorage_end_s is None:
            return None
        return self.anchorage_end_s - self.anchorage_start_s

    @property
    def stable_id(self) -> str:
        key = f"{self.mmsi}:{self.port}:{self.rule_version}:{int(self.arrival_s)}"
        return hashlib.sha1(key.encode()).hexdigest()[:16]


GAP_S = 300.0  # a silence longer than this between two reports is a reporting gap
ZONES = ("port", "anchorage", "berth")


def _crossing_time(
    t0: float,
    p0: tuple[float, float],
    sog0: float | None,
    t1: float,
    p1: tuple[float, float],
    sog1: float | None,
    arriving: bool,
) -> float:
    """When, between two reports across a reporting gap, the vessel stopped (`arriving`:
    at p1, sailing from p0 at sog0) or got under way (from p0, reaching p1 at sog1): the
    travel time at the reported speed, bounded by the two report times."""
    speed = sog0 if arriving else sog1
    if not speed or speed < 0.5:
        return t1 if arriving else t0
    travel = haversine_m(*p0, *p1) / (speed * KNOT_MS)
    estimate = t0 + travel if arriving else t1 - travel
    return min(max(estimate, t0), t1)


@dataclass
class _Stop:
    """A stop in one zone (berth or anchorage): first and last slow report there, once the
    vessel has been slow in it for the minimum stay."""

    start_s: float | None = None
    end_s: float | None = None
    slow_since_s: float | None = None

    def update(
        self,
        stopping: bool,
        ts: float,
        min_stay_s: float,
        gap: bool,
        prev: tuple[float | None, tuple[float, float], float | None],
        here: tuple[float, float],
        sog_kn: float | None,
    ) -> None:
        """One report: `stopping` when slow inside the zone. Across a reporting gap the
        moment of stopping (or of leaving) is estimated from distance and reported speed."""
        prev_ts, prev_pos, prev_sog = prev
        if stopping:
            if self.slow_since_s is None:
                self.slow_since_s = (
                    _crossing_time(prev_ts, prev_pos, prev_sog, ts, here, sog_kn, True)
                    if gap and prev_ts is not None
                    else ts
                )
            if ts - self.slow_since_s >= min_stay_s:
                if self.start_s is None:
                    self.start_s = self.slow_since_s
                self.end_s = ts
            return
        if gap and self.end_s is not None and self.end_s == prev_ts:
            self.end_s = _crossing_time(prev_ts, prev_pos, prev_sog, ts, here, sog_kn, False)
        self.slow_since_s = None


@dataclass
class _Visit:
    arrival_s: float
    last_inside_s: float
    slow_since_s: float | None = None
    stopped: bool = False
    berth: _Stop = field(default_factory=_Stop)
    anchorage: _Stop = field(default_factory=_Stop)


@dataclass
class VesselTracker:
    """One vessel's state for one port. Feed positions in time order; a position older than
    the last one fed is counted in `late` and ignored (the batch path sorts first)."""

    mmsi: int
    fences: PortFences
    rule: Rule
    visit: _Visit | None = None
    last_ts: float | None = None
    last_pos: tuple[float, float] = (0.0, 0.0)
    last_sog: float | None = None
    late: int = 0
    calls: list[Call] = field(default_factory=list)

    def feed(
        self,
        ts: float,
        lon: float,
        lat: float,
        sog_kn: float | None,
        outside: float | None = None,
        zone: str | None = None,
    ) -> list[Call]:
        """Process one position; returns the calls closed by it. `outside` (metres outside
        the limit) and `zone` may come computed for many positions at once (the array
        path); they are computed here otherwise."""
        if self.last_ts is not None and ts < self.last_ts:
            self.late += 1
            return []
        closed: list[Call] = []
        rule = self.rule
        if (
            self.visit is not None
            and self.last_ts is not None
            and (ts - self.last_ts > rule.gap_timeout_s)
        ):
            closed += self._close(self.visit.last_inside_s)  # silent too long: it left
        prev_ts, prev_pos, prev_sog = self.last_ts, self.last_pos, self.last_sog
        self.last_ts, self.last_pos, self.last_sog = ts, (lon, lat), sog_kn
        gap = prev_ts is not None and ts - prev_ts > GAP_S
        # Inside the limit opens a visit; only leaving the limit by more than the exit
        # hysteresis ends it. The departure is the last report inside the limit itself.
        if outside is None:
            outside = self.fences.outside_m(lon, lat)
        if (self.visit is None and outside > 0) or outside > rule.exit_hysteresis_m:
            if self.visit is not None:
                departure = self.visit.last_inside_s
                if gap and prev_ts == departure:  # left during a reporting gap
                    departure = self._boundary_time(prev_ts, prev_pos, ts, (lon, lat))
                closed += self._close(departure)
            return closed
        if self.visit is None:
            arrival = ts
            if gap and prev_ts is not None and self.fences.outside_m(*prev_pos) > 0:
                arrival = self._boundary_time(prev_ts, prev_pos, ts, (lon, lat))
            self.visit = _Visit(arrival_s=arrival, last_inside_s=ts)
        v = self.visit
        if outside == 0:
            v.last_inside_s = ts
        slow = sog_kn is not None and sog_kn <= rule.speed_kn
        if zone is None:
            zone = self.fences.zone(lon, lat)
        if slow:
            if v.slow_since_s is None:
                v.slow_since_s = ts
            if ts - v.slow_since_s >= rule.min_stay_s:
                v.stopped = True
        else:
            v.slow_since_s = None
        # Berth, and the anchorage before the berth.
        prev = (prev_ts, prev_pos, prev_sog)
        v.berth.update(slow and zone == "berth", ts, rule.min_stay_s, gap, prev, (lon, lat), sog_kn)
        v.anchorage.update(
            slow and zone == "anchorage" and v.berth.start_s is None,
            ts,
            rule.min_stay_s,
            gap,
            prev,
            (lon, lat),
            sog_kn,
        )
        return closed

    def _close(self, departure: float) -> list[Call]:
        v, self.visit = self.visit, None
        if v is None or not v.stopped:
            return []  # passed through without stopping: not a call
        call = self._call(v, departure)
        self.calls.append(call)
        return [call]

    def _boundary_time(
        self, t0: float, p0: tuple[float, float], t1: float, p1: tuple[float, float]
    ) -> float:
        """When the straight line from p0 (at t0) to p1 (at t1) crosses the port limit,
        at constant speed: the crossing across a reporting gap."""
        inside0 = self.fences.inside_limit(*p0)
        lo, hi = 0.0, 1.0
        for _ in range(20):
            mid = (lo + hi) / 2
            point = (p0[0] + mid * (p1[0] - p0[0]), p0[1] + mid * (p1[1] - p0[1]))
            if self.fences.inside_limit(*point) == inside0:
                lo = mid
            else:
                hi = mid
        return t0 + lo * (t1 - t0)

    def expire(self, now: float) -> list[Call]:
        """Close the visit of a vessel silent for longer than the gap timeout."""
        if (
            self.visit is not None
            and self.last_ts is not None
            and now - self.last_ts > self.rule.gap_timeout_s
        ):
            return self._close(self.visit.last_inside_s)
        return []

    def open_call(self) -> Call | None:
        """The call in progress (no departure yet), if the vessel has stopped."""
        v = self.visit
        if v is None or not v.stopped:
            return None
        return self._call(v, None)

    def _call(self, v: _Visit, departure: float | None) -> Call:
        return Call(
            self.mmsi,
            self.fences.port,
            self.rule.version,
            v.arrival_s,
            departure,
            v.berth.start_s,
            v.berth.end_s,
            v.anchorage.start_s,
            v.anchorage.end_s,
        )


def detect_calls(
    positions: Iterable[tuple[int, float, float, float, float | None]],
    fences: PortFences,
    rule: Rule,
    include_open: bool = True,
    until: float | None = None,
) -> Iterator[Call]:
    """Batch detection over (mmsi, ts, lon, lat, sog_kn) rows of any order: sorted by
    vessel and time, then fed through the same tracker as the incremental path. `until`
    (unix s) is "now": a vessel silent since longer than the gap timeout has left."""
    trackers: dict[int, VesselTracker] = {}
    for mmsi, ts, lon, lat, sog in sorted(positions, key=lambda r: (r[0], r[1])):
        tracker = trackers.get(mmsi)
        if tracker is None:
            tracker = trackers[mmsi] = VesselTracker(mmsi, fences, rule)
        yield from tracker.feed(ts, lon, lat, sog)
    for tracker in trackers.values():
        if until is not None:
            yield from tracker.expire(until)
        if include_open:
            call = tracker.open_call()
            if call is not None:
                yield call


def detect_calls_arrays(
    mmsi: np.ndarray,
    ts: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    sog_kn: np.ndarray,
    fences: PortFences,
    rule: Rule,
    include_open: bool = True,
    until: float | None = None,
) -> list[Call]:
    """`detect_calls` over columns (numpy arrays; `sog_kn` NaN where unknown), with exactly
    its calls (a test compares them), at array speed.

    The geometry of every position is computed at once (GEOS over arrays). Then only the
    positions that can change a tracker's state are fed to it: those within the exit
    hysteresis of the limit, with the position before each (the "previous report" a gap
    estimate needs) and the one after (the one that ends a visit). Every other position is
    far outside with no visit open, where feeding it would only move "the last report" on,
    and the next position fed is the one just before the vessel comes near again, so the
    skipped ones change nothing. At sea, that is almost every position.
    """
    order = np.lexsort((ts, mmsi))
    mmsi, ts, lon, lat, sog_kn = (a[order] for a in (mmsi, ts, lon, lat, sog_kn))
    outside = fences.outside_m_array(lon, lat, rule.exit_hysteresis_m)
    near = outside <= rule.exit_hysteresis_m
    same = mmsi[1:] == mmsi[:-1]
    keep = near.copy()
    keep[:-1] |= near[1:] & same  # the report before one near the port
    keep[1:] |= near[:-1] & same  # the report after one near the port
    rows = np.flatnonzero(keep)
    zones = fences.zones_array(lon[rows], lat[rows])
    calls: list[Call] = []
    trackers: dict[int, VesselTracker] = {}
    columns = zip(
        mmsi[rows].tolist(),
        ts[rows].tolist(),
        lon[rows].tolist(),
        lat[rows].tolist(),
        sog_kn[rows].tolist(),
        outside[rows].tolist(),
        zones.tolist(),
        strict=True,
    )
    for m, t, x, y, sog, out, zone in columns:
        tracker = trackers.get(m)
        if tracker is None:
            tracker = trackers[m] = VesselTracker(m, fences, rule)
        calls += tracker.feed(t, x, y, None if sog != sog else sog, out, ZONES[zone])
    for tracker in trackers.values():
        if until is not None:
            calls += tracker.expire(until)
        if include_open:
            call = tracker.open_call()
            if call is not None:
                calls.append(call)
    return calls


def as_columns(
    rows: Iterable[tuple[int, float, float, float, float | None]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mmsi, ts, lon, lat, sog_kn) rows as the columns `detect_calls_arrays` takes."""
    table = list(rows)
    if not table:
        empty = np.empty(0)
        return np.empty(0, dtype=np.int64), empty, empty, empty, empty
    mmsi, ts, lon, lat, sog = zip(*table, strict=True)
    return (
        np.array(mmsi, dtype=np.int64),
        np.array(ts, dtype=float),
        np.array(lon, dtype=float),
        np.array(lat, dtype=float),
        np.array([np.nan if v is None else v for v in sog], dtype=float),
    )
