"""Size (issue 13): a month of corridor-wide positions in the positions table, and what
stays fast at that size. Prints the insert rate while the month is open (no spatial index,
see ais.partitions), a box and an hour then, the closing step (its GiST index on
(ts, geom) built by `index_closed_months`, as `manage.py index_positions` does), then on
the closed month: a box and an hour, one vessel's day (its track), the port-call batch over
the month at every watched port, disk per million positions, and how many partitions
each query touched (pruning). Asserts nothing.

    .venv/bin/python benchmarks/size.py [--positions 5000000] [--runs 5] [--keep] [--reuse]

The issue's 50 million: `--positions 50000000` (about 12 GB of disk and half an hour on
2 cores). Positions are made by PostgreSQL itself (generate_series): vessels sailing loops
over the corridor's seas, one report a minute, in January 2024 (a month of its own,
dropped afterwards unless --keep).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MONTH = datetime(2024, 1, 1, tzinfo=UTC)
PARTITION = "ports_vesselposition_y2024m01"
PER_VESSEL = 31 * 1440  # a report a minute for the month


def database_ms(sql: str, params: list, runs: int) -> float:
    """Median execution time in the database (EXPLAIN ANALYZE, after one warm-up run):
    the server's time, without moving the rows to Python."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            times.append(cursor.fetchone()[0][0]["Execution Time"])
    return statistics.median(times[1:])


def partitions_touched(cursor, sql: str, params: list) -> int:
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
    plan = json.dumps(cursor.fetchone()[0])
    return plan.count('"Relation Name": "ports_vesselposition_y')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--positions", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the month an earlier --keep run left"
    )
    args = parser.parse_args()

    from benchmarks.ais_ingest import seeded_bench_django
    from benchmarks.read_layers import timed

    seeded_bench_django()
    from django.db import connection

    from ais.db import index_closed_months
    from ais.services import layers
    from portcalls.detection import as_columns, detect_calls_arrays
    from portcalls.services import calls as calls

    vessels = max(1, args.positions // PER_VESSEL)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_regclass('{PARTITION}') IS NOT NULL")
        reuse = args.reuse and cursor.fetchone()[0]
    if reuse:  # a month kept by an earlier run (--keep): measured again, closed as it is
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {PARTITION}")
            total = cursor.fetchone()[0]
        print(f"reusing the {total:,} positions of {PARTITION}")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PARTITION}")
            cursor.execute("SELECT ports_ensure_position_partition(%s::date)", [MONTH.date()])
            started = time.perf_counter()
            for day in range(31):  # in time order, as a feed stores them (BRIN on ts works)
                cursor.execute(
                    """
                    INSERT INTO ports_vesselposition (mmsi, ts, geom, sog_kn, cog_deg, msg_type,
                                                      source)
                    SELECT 300000000 + v, %s + make_interval(mins => i),
                           ST_SetSRID(ST_MakePoint(
                               108 + 6 * sin(v) + 2.5 * sin(i / 3000.0 + v),
                               14 + 6 * cos(v) + 2.5 * cos(i / 3000.0 + v)), 4326),
                           11.5, (i %% 360), 1, 'BENCH-SIZE'
                    FROM generate_series(%s, %s) AS i, generate_series(1, %s) AS v
                    ORDER BY i, v
                    """,
                    [MONTH, day * 1440, day * 1440 + 1439, vessels],
                )
                done = (day + 1) * 1440 * vessels
                print(
                    f"  {done:,} positions stored ({time.perf_counter() - started:.0f} s)",
                    end="\r",
                    flush=True,
                )
            insert_s = time.perf_counter() - started
            # What autovacuum does to settled data: statistics, and the BRIN ranges summarised.
            cursor.execute(f"VACUUM ANALYZE {PARTITION}")
            cursor.execute(f"SELECT count(*) FROM {PARTITION}")
            total = cursor.fetchone()[0]
        print(
            f"\n{total:,} positions of {vessels} vessels stored in {insert_s:.0f} s "
            f"({total / insert_s:,.0f} rows/s through SQL, open month: primary key and BRIN)"
        )

    hour = MONTH + timedelta(days=15, hours=10)
    box_sql = (
        "SELECT mmsi, ts, ST_X(geom), ST_Y(geom), sog_kn FROM ports_vesselposition "
        "WHERE ts >= %s AND ts < %s AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    )
    box_params = [hour, hour + timedelta(hours=1), 111.0, 15.0, 115.0, 19.0]

    def box() -> int:
        with connection.cursor() as cursor:
            cursor.execute(box_sql, box_params)
            return len(cursor.fetchall())

    if not reuse:
        open_ms, open_rows = timed(box, args.runs)
        print(
            f"a 4x4 degree box and an hour, open month (BRIN on ts, the box as a filter): "
            f"{database_ms(box_sql, box_params, args.runs):.1f} ms in the database, "
            f"{open_ms:.1f} ms with its {open_rows:,} positions fetched into Python"
        )
        started = time.perf_counter()
        indexed = index_closed_months(connection)
        print(
            f"the month closed: GiST (ts, geom) built concurrently and VACUUM ANALYZE in "
            f"{time.perf_counter() - started:.0f} s ({', '.join(indexed)})"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_total_relation_size('{PARTITION}')")
        size = cursor.fetchone()[0]
    print(f"disk: {size / total:.0f} MB per million positions (table and indexes)")
    box_ms, box_rows = timed(box, args.runs)
    with connection.cursor() as cursor:
        touched = partitions_touched(cursor, box_sql, box_params)
    print(
        f"a 4x4 degree box and an hour, closed month: "
        f"{database_ms(box_sql, box_params, args.runs):.1f} ms in the database (aim < 20 ms), "
        f"{box_ms:.1f} ms with its {box_rows:,} positions fetched into Python "
        f"({touched} partition scanned)"
    )
    day = MONTH + timedelta(days=20)
    day_ms, body = timed(
        lambda: layers.track_json(300000001, day, day + timedelta(days=1)), args.runs
    )
    points = len(json.loads(body)["features"]) - 1
    print(
        f"one vessel's day (the track API's query and JSON): {day_ms:.1f} ms for {points:,} "
        f"positions (aim < 20 ms)"
    )

    end = MONTH + timedelta(days=31)
    batch_total, batch_rows, found = 0.0, 0, 0
    for node in calls.watched_ports():
        fences, rule = calls.port_fences(node), calls.as_rule(calls.current_rule(node))
        started = time.perf_counter()
        rows = calls.near_positions(fences, MONTH, end)
        found += len(detect_calls_arrays(*as_columns(rows), fences, rule))
        batch_total += time.perf_counter() - started
        batch_rows += len(rows)
    print(
        f"port-call batch over the month at every watched port: {batch_total:.1f} s "
        f"({batch_rows:,} positions near the ports read and run, {found} calls)"
    )
    if not args.keep:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {PARTITION}")


if __name__ == "__main__":
    main()
