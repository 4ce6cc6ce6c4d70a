"""Export benchmark: 1,000,000 vessel positions to GeoPackage and to CSV, through the same
path as an export job (streamed from a server-side cursor in chunks, appended by GDAL), with
the time and the peak memory of each run. Memory must stay bounded: compare the peak with
the 1,000-row export measured in the same run.

    .venv/bin/python benchmarks/exports.py [--positions 1000000] [--runs 3]

Runs against a scratch database `<name>_bench`; figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from datetime import datetime, timedelta, UTC
from pathlib import Path
from exports.services.layers import LAYERS, ExportParams
from exports.services.writer import write_layer
spec = LAYERS["positions"]
start = datetime(2026, 3, 1, tzinfo=UTC)
params = ExportParams(start=start, end=start + timedelta(days=30), mmsi={mmsi})
t0 = time.perf_counter()
rows = write_layer(spec, spec.rows(params, 4326), {fmt!r}, 4326, Path({out!r}))
took = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(rows, took, peak)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--positions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from benchmarks.ais_ingest import bench_database_url

    env = {**os.environ, "DATABASE_URL": bench_database_url()}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import psycopg

    dsn = env["DATABASE_URL"].replace("postgis://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT ports_ensure_position_partition('2026-03-01')")
        have = conn.execute(
            "SELECT count(*) FROM ports_vesselposition WHERE source = 'BENCH-EXPORT'"
        ).fetchone()[0]
        if have != args.positions:
            conn.execute("DELETE FROM ports_vesselposition WHERE source = 'BENCH-EXPORT'")
            # 1,000 vessels x N positions in March 2026, moving across the Beibu Gulf.
            conn.execute(
                """
                INSERT INTO ports_vesselposition
                    (mmsi, ts, geom, sog_kn, cog_deg, msg_type, source)
                SELECT 413000000 + (i %% 1000),
                       timestamptz '2026-03-01' + (i / 1000) * interval '2 s',
                       ST_SetSRID(
                           ST_MakePoint(108 + (i %% 997) * 0.001, 21 + (i %% 991) * 0.001), 4326
                       ),
                       10.5, 90, 1, 'BENCH-EXPORT'
                FROM generate_series(0, %s - 1) AS i
                """,
                [args.positions],
            )
    print(f"positions: {args.positions:,} (1,000 vessels, March 2026)")
    results: dict[str, list[tuple[float, float, int]]] = {}
    work = Path(tempfile.mkdtemp())
    for fmt in ("gpkg", "csv"):
        for label, mmsi in (("all", "None"), ("one vessel (1,000 rows)", "413000007")):
            for _ in range(args.runs if label == "all" else 1):
                out = work / f"p.{fmt}"
                out.unlink(missing_ok=True)
                code = CHILD.format(root=str(ROOT), mmsi=mmsi, fmt=fmt, out=str(out))
                done = subprocess.run(
                    [sys.executable, "-c", code], env=env, capture_output=True, text=True
                )
                if done.returncode:
                    print(done.stderr[-2000:])
                    raise SystemExit(1)
                rows, took, peak = done.stdout.split()[-3:]
                results.setdefault(f"{fmt} {label}", []).append(
                    (float(took), float(peak), int(rows))
                )
                print(
                    f"{fmt} {label}: {int(rows):,} rows in {float(took):.1f} s, "
                    f"peak {float(peak):.0f} MiB, file {out.stat().st_size / 2**20:.0f} MiB"
                )
    print("medians:")
    for key, runs in results.items():
        took = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs)
        rows = runs[0][2]
        print(f"  {key}: {took:.1f} s ({rows / took:,.0f} rows/s), peak {peak:.0f} MiB")
    for fmt in ("gpkg", "csv"):
        big = statistics.median(r[1] for r in results[f"{fmt} all"])
        small = results[f"{fmt} one vessel (1,000 rows)"][0][1]
        print(f"  {fmt}: peak memory for 1M rows is {big / small:.2f}x that for 1,000 rows")
    time.sleep(0)


if __name__ == "__main__":
    main()
