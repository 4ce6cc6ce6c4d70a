"""Port-call detection against the simulator's ground truth (no database).

Simulated ships arrive, wait at anchor, berth and leave, or only pass through; some stop
reporting for a while. Every call must be found, no false call made, berth and anchorage
times within 10 minutes, and the incremental path must give the batch path's calls.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from ais.demo.simulator import Simulator, load_lanes
from ais.ingest.ais import decode_lines

from ..detection import PortFences, Rule, VesselTracker, detect_calls

DATA = Path(__file__).resolve().parents[2] / "data" / "gis"
START = 1_764_115_200.0
ARRIVAL_HOURS = 24  # ships arrive during the first day...
HOURS = 72  # ...and are followed for three
TOLERANCE_S = 600


def load_fences() -> dict[str, PortFences]:
    by_port: dict[str, dict[str, list]] = {}
    for f in json.loads((DATA / "geofences.geojson").read_text())["features"]:
        p = f["properties"]
        by_port.setdefault(p["node"], {}).setdefault(p["kind"], []).append(shape(f["geometry"]))
    return {
        port: PortFences(
            port,
            unary_union(k["port_limit"]),
            unary_union(k.get("berth", [])) or None,
            unary_union(k.get("anchorage", [])) or None,
        )
        for port, k in by_port.items()
    }


@pytest.fixture(scope="module")
def scenario():
    sim = Simulator(load_lanes(DATA / "sea_lanes.geojson"), seed=17)
    plan = sim.plan(START, ARRIVAL_HOURS * 3600, arrivals_per_hour=2, initial=0)
    rng = random.Random(5)
    # Reporting gaps: some ships fall silent for 20-90 minutes at a random moment.
    gaps = {
        s.mmsi: (t := rng.uniform(s.start, s.end), t + rng.uniform(1200, 5400))
        for s in rng.sample(plan.ships, len(plan.ships) // 4)
    }
    lines = []
    for t, line in sim.sentences(plan, START, START + HOURS * 3600, noise=0):
        lines.append((t, line))
    positions, _, _ = decode_lines([line.encode() for _, line in lines])
    rows = [
        (p.mmsi, p.ts.timestamp(), p.lon, p.lat, p.sog_kn)
        for p in positions
        if not (p.mmsi in gaps and gaps[p.mmsi][0] <= p.ts.timestamp() <= gaps[p.mmsi][1])
    ]
    return plan, rows


def fence_crossings(
    ship, fences: PortFences, berth_start: float, berth_end: float, hysteresis_m: float
) -> tuple[float, float]:
    """The true arrival and departure from the simulated track (sampled every 10 s, not the
    AIS reports): the visit around the berth stay lasts while the ship is within the exit
    hysteresis of the port limit; arrival and departure are its first and last moments
    inside the limit itself."""

    def near(t):
        s = ship.state(t)
        return s is not None and fences.inside_limit(s[0], s[1], hysteresis_m)

    def inside(t):
        s = ship.state(t)
        return s is not None and fences.inside_limit(s[0], s[1])

    t = berth_start
    while t > ship.start and near(t - 10):
        t -= 10
    while not inside(t):
        t += 10
    arrival = t
    t = berth_end
    while t < ship.end and near(t + 10):
        t += 10
    while not inside(t):
        t -= 10
    return arrival, t


def test_every_call_found_and_no_false_calls(scenario):
    plan, rows = scenario
    fences, rule = load_fences(), Rule()
    truth = {(c.mmsi, c.port): c for c in plan.calls if c.departure_s < START + HOURS * 3600}
    passing = {s.mmsi for s in plan.ships if len(s.phases) == 1}
    assert len(truth) >= 25 and passing
    found = {}
    for f in fences.values():
        for call in detect_calls(rows, f, rule):
            assert (call.mmsi, call.port) not in found, "a visit detected twice"
            found[(call.mmsi, call.port)] = call
    assert not {m for m, _ in found} & passing, "a ship that only passed through got a call"
    false_calls = set(found) - {(c.mmsi, c.port) for c in plan.calls}
    assert not false_calls
    missing = set(truth) - set(found)
    assert not missing
    for key, t in truth.items():
        call = found[key]
        assert abs(call.berth_start_s - t.berth_start_s) <= TOLERANCE_S
        assert abs(call.berth_end_s - t.berth_end_s) <= TOLERANCE_S
        ship = next(s for s in plan.ships if s.mmsi == t.mmsi)
        arrival, departure = fence_crossings(
            ship, fences[t.port], t.berth_start_s, t.berth_end_s, rule.exit_hysteresis_m
        )
        assert abs(call.arrival_s - arrival) <= TOLERANCE_S
        assert abs(call.departure_s - departure) <= TOLERANCE_S
        if t.anchor_start_s is None:
            assert call.anchorage_wait_s is None
        else:
            assert abs(call.anchorage_wait_s - (t.anchor_end_s - t.anchor_start_s)) <= TOLERANCE_S


def test_incremental_equals_batch_and_ignores_late_positions(scenario):
    _, rows = scenario
    fences, rule = load_fences()["QZ_PORT"], Rule()
    batch = sorted(
        detect_calls(rows, fences, rule, include_open=False), key=lambda c: (c.mmsi, c.arrival_s)
    )
    trackers: dict[int, VesselTracker] = {}
    incremental = []
    for mmsi, ts, lon, lat, sog in sorted(rows, key=lambda r: r[1]):  # arrival order
        tracker = trackers.setdefault(mmsi, VesselTracker(mmsi, fences, rule))
        incremental += tracker.feed(ts, lon, lat, sog)
    assert sorted(incremental, key=lambda c: (c.mmsi, c.arrival_s)) == batch
    # Shuffled input to the batch path gives the same calls (it sorts).
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assert (
        sorted(
            detect_calls(shuffled, fences, rule, include_open=False),
            key=lambda c: (c.mmsi, c.arrival_s),
        )
        == batch
    )
    tracker = VesselTracker(1, fences, rule)
    tracker.feed(100.0, 108.6, 21.7, 0.0)
    tracker.feed(50.0, 108.6, 21.7, 0.0)
    assert tracker.late == 1


def test_stable_ids_and_rule_versions(scenario):
    _, rows = scenario
    fences = load_fences()["QZ_PORT"]
    first = list(detect_calls(rows, fences, Rule(version=1)))
    again = list(detect_calls(rows, fences, Rule(version=1)))
    assert [c.stable_id for c in first] == [c.stable_id for c in again]
    other = list(detect_calls(rows, fences, Rule(version=2)))
    assert {c.stable_id for c in first}.isdisjoint({c.stable_id for c in other})


def test_thresholds_move_the_counts(scenario):
    """Sensitivity: a stricter minimum stay finds fewer or equal calls, never more."""
    _, rows = scenario
    fences = load_fences()["QZ_PORT"]
    counts = [
        len(list(detect_calls(rows, fences, Rule(min_stay_s=s))))
        for s in (600, 1800, 6 * 3600, 48 * 3600)
    ]
    assert counts == sorted(counts, reverse=True) and counts[-1] < counts[0]


@pytest.mark.parametrize(
    "rule",
    [Rule(), Rule(speed_kn=0.5, min_stay_s=600, gap_timeout_s=3600, exit_hysteresis_m=200)],
)
def test_the_array_path_gives_exactly_the_calls_of_the_detector(scenario, rule):
    """Issue 13: `detect_calls_arrays` (geometry over arrays, far positions skipped) gives
    the very calls of `detect_calls`, to the second and the field, at every port, with
    reporting gaps, unknown speeds, duplicate reports, shuffled input and a "now"."""
    import numpy as np

    from ..detection import detect_calls_arrays

    _, rows = scenario
    rng = random.Random(3)
    rows = [
        (m, t, x, y, None if rng.random() < 0.02 else s) for m, t, x, y, s in rows
    ]  # some reports without a speed
    rows += rng.sample(rows, 200)  # the same report twice
    rng.shuffle(rows)
    columns = [np.array(c, dtype=float) for c in zip(*rows, strict=True)]
    columns[0] = columns[0].astype(np.int64)
    columns[4] = np.array([np.nan if s is None else s for *_, s in rows])
    until = START + HOURS * 3600 + 7 * 3600
    ports = load_fences() if rule == Rule() else {"QZ_PORT": load_fences()["QZ_PORT"]}
    for port, fences in ports.items():
        expected = list(detect_calls(rows, fences, rule, until=until))
        got = detect_calls_arrays(*columns, fences, rule, until=until)
        assert got == expected, port
        if port == "QZ_PORT":
            assert len(expected) >= 10  # a test with something in it
    fences = load_fences()["QZ_PORT"]
    open_calls = list(detect_calls(rows, fences, rule, until=None))
    assert detect_calls_arrays(*columns, fences, rule) == open_calls
    assert any(c.departure_s is None for c in open_calls)
    for hysteresis in (0.0, 60_000.0):  # on the limit itself, and far out
        wide = Rule(exit_hysteresis_m=hysteresis)
        assert detect_calls_arrays(*columns, fences, wide) == list(detect_calls(rows, fences, wide))
