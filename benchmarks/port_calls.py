"""Port-call detection benchmark: batch throughput over >= 5 million positions and the
per-position cost of the incremental path.

    .venv/bin/python benchmarks/port_calls.py [--positions 5000000] [--runs 3]

Positions come straight from the simulator's trajectories (no AIS encoding): ships arriving
at Qinzhou, waiting, berthing and leaving, one report every 10 s under way and every 3 min
at rest, in chunks of 1,000,000 so memory stays bounded. The batch path is `detect_calls`
(sort + trackers) per chunk; the incremental path feeds the same rows one by one in time
order through `VesselTracker.feed`. Figures are printed, nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from shapely.ops import unary_union  # noqa: E402

from ais.demo.simulator import Simulator, load_lanes  # noqa: E402
from portcalls.detection import (  # noqa: E402
    PortFences,
    Rule,
    VesselTracker,
    detect_calls,
    detect_calls_arrays,
)


def fences(port: str) -> PortFences:
    kinds: dict[str, list] = {}
    for f in json.loads((ROOT / "data/gis/geofences.geojson").read_text())["features"]:
        if f["properties"]["node"] == port:
            kinds.setdefault(f["properties"]["kind"], []).append(shape(f["geometry"]))
    return PortFences(
        port,
        unary_union(kinds["port_limit"]),
        unary_union(kinds["berth"]),
        unary_union(kinds["anchorage"]),
    )


def chunks(total: int, size: int = 1_000_000):
    """Lists of (mmsi, ts, lon, lat, sog) rows, about `size` each, `total` in all."""
    sim = Simulator(load_lanes(ROOT / "data/gis/sea_lanes.geojson"), seed=9)
    made, start, chunk = 0, 1_764_115_200.0, []
    while made < total:
        plan = sim.plan(start, 24 * 3600, arrivals_per_hour=20)
        for ship in plan.ships:
            t = ship.start
            while t < ship.end and made < total:
                state = ship.state(t)
                if state is not None:
                    lon, lat, sog, _, _ = state
                    chunk.append((ship.mmsi, t, lon, lat, sog))
                    made += 1
                    t += 10.0 if sog > 2 else 180.0
                else:
                    t += 10.0
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
        start += 24 * 3600
    if chunk:
        yield chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--positions", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    qz, rule = fences("QZ_PORT"), Rule()
    print(f"generating {args.positions:,} positions ...", flush=True)
    data = list(chunks(args.positions))
    total = sum(len(c) for c in data)
    columns = []
    for chunk in data:  # as a columnar read from the database would give them
        mmsi, ts, lon, lat, sog = zip(*chunk, strict=True)
        columns.append(
            (
                np.array(mmsi, dtype=np.int64),
                np.array(ts),
                np.array(lon),
                np.array(lat),
                np.array([np.nan if v is None else v for v in sog]),
            )
        )
    batch_runs, inc_runs, array_runs, calls, array_calls = [], [], [], 0, 0
    for _ in range(args.runs):
        started = time.perf_counter()
        array_calls = sum(len(detect_calls_arrays(*c, qz, rule)) for c in columns)
        array_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        calls = sum(1 for chunk in data for _ in detect_calls(chunk, qz, rule))
        batch_runs.append(time.perf_counter() - started)
        trackers: dict[int, VesselTracker] = {}
        ordered = sorted(data[0], key=lambda r: r[1])
        started = time.perf_counter()
        for mmsi, ts, lon, lat, sog in ordered:
            tracker = trackers.get(mmsi)
            if tracker is None:
                tracker = trackers[mmsi] = VesselTracker(mmsi, qz, rule)
            tracker.feed(ts, lon, lat, sog)
        inc_runs.append((time.perf_counter() - started) / len(ordered))
    batch = statistics.median(batch_runs)
    print(
        f"batch detection: {total:,} positions in {batch:.1f} s = "
        f"{total / batch:,.0f} positions/s ({calls} calls; median of {args.runs})"
    )
    arrays = statistics.median(array_runs)
    print(
        f"array path (detect_calls_arrays): {total / arrays:,.0f} positions/s "
        f"({array_calls} calls, the same; {batch / arrays:.1f}x the batch path; aim >= 1M/s)"
    )
    print(
        f"incremental path: {statistics.median(inc_runs) * 1e6:.1f} us per position "
        f"(one tracker per vessel, positions in time order)"
    )


if __name__ == "__main__":
    main()
