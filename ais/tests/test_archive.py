"""Issue 13: closed months archived to GeoParquet return the same rows through DuckDB as
PostgreSQL did, stay queryable once detached, and Dask's port-call run over the archive
gives the calls of the batch detector."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portcalls.archive import port_calls
from portcalls.detection import Rule, detect_calls
from portcalls.tests.test_portcalls import DATA, load_fences

from ..db import partition_name
from ..geoparquet import query
from ..services.archive import ArchiveRefused, archive_month

pytestmark = pytest.mark.django_db
START = datetime(2025, 11, 30, tzinfo=UTC).timestamp()  # calls run into December


@pytest.fixture
def traffic():
    """Three days of simulated ships at Qinzhou around the turn of a month, stored."""
    from ..demo.simulator import Simulator, load_lanes

    sim = Simulator(load_lanes(DATA / "sea_lanes.geojson"), seed=23)
    plan = sim.plan(START, 24 * 3600, arrivals_per_hour=1, initial=0)
    rows = []
    for ship in plan.ships:
        t = ship.start
        while t < min(ship.end, START + 3 * 86400):
            state = ship.state(t)
            if state is not None:
                lon, lat, sog, cog, _ = state
                rows.append((ship.mmsi, t, lon, lat, round(sog, 1), round(cog, 1)))
            t += 30.0 if state is not None and state[2] > 2 else 300.0
    with connection.cursor() as cursor:
        for month in ("2025-11-01", "2025-12-01"):
            cursor.execute("SELECT ports_ensure_position_partition(%s::date)", [month])
        with cursor.cursor.copy(
            "COPY ports_vesselposition (mmsi, ts, geom, sog_kn, cog_deg, msg_type, source) "
            "FROM STDIN"
        ) as copy:
            for mmsi, t, lon, lat, sog, cog in rows:
                when = datetime.fromtimestamp(t, UTC)
                copy.write_row((mmsi, when, f"SRID=4326;POINT({lon} {lat})", sog, cog, 1, "T"))
    return rows


def stored(where: str = "true") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mmsi, ts, ST_X(geom), ST_Y(geom), sog_kn, cog_deg, heading_deg, nav_status, "
            f"msg_type, source FROM ports_vesselposition WHERE {where} ORDER BY mmsi, ts"
        )
        return cursor.fetchall()


def same_rows(a: list[tuple], b: list[tuple]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x[0] == y[0] and x[1].timestamp() == y[1].timestamp()
        assert x[2:] == y[2:], (x, y)


def test_a_month_round_trips_through_geoparquet_and_duckdb(traffic, tmp_path):
    nov = stored("ts < '2025-12-01'")
    assert len(nov) > 500
    done = archive_month(date(2025, 11, 1), directory=tmp_path)
    assert done.rows == len(nov) and not done.detached
    meta = pq.ParquetFile(done.path)
    geo = json.loads(meta.schema_arrow.metadata[b"geo"])
    assert geo["primary_column"] == "geometry" and "covering" in geo["columns"]["geometry"]
    same_rows(query(tmp_path), nov)
    # A box and an hour, as the map would ask: the same rows as PostgreSQL's.
    _, when, lon, lat, *_ = nov[len(nov) // 2]
    box = (lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1)
    first, last = when - timedelta(minutes=30), when + timedelta(minutes=30)
    expected = stored(
        f"ST_X(geom) BETWEEN {box[0]} AND {box[2]} AND ST_Y(geom) BETWEEN {box[1]} AND {box[3]}"
        f" AND ts BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'"
    )
    assert expected
    same_rows(query(tmp_path, box, first, last), expected)
    one = nov[0][0]
    same_rows(query(tmp_path, mmsi=one), [r for r in nov if r[0] == one])

    # Detached: gone from PostgreSQL, still answered from the file.
    with pytest.raises(ArchiveRefused, match="archived"):
        archive_month(date(2025, 11, 1), directory=tmp_path)  # a second copy is refused
    archive_month(date(2025, 11, 1), detach=True, directory=tmp_path)
    assert stored("ts < '2025-12-01'") == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(date(2025, 11, 1))])
        assert cursor.fetchone()[0] is None
    same_rows(query(tmp_path), nov)


def test_dask_over_the_archive_gives_the_calls_of_the_batch_detector(traffic, tmp_path):
    fences, rule = load_fences()["QZ_PORT"], Rule()
    rows = [(m, ts.timestamp(), x, y, s) for m, ts, x, y, s, *_ in stored()]
    until = START + 4 * 86400
    expected = sorted(detect_calls(rows, fences, rule, until=until), key=lambda c: c.mmsi)
    assert any(
        datetime.fromtimestamp(c.arrival_s, UTC).month == 11
        and c.departure_s
        and datetime.fromtimestamp(c.departure_s, UTC).month == 12
        for c in expected
    ), "no call across the two months: the test would not show the files joined"
    paths = [archive_month(date(2025, m, 1), directory=tmp_path).path for m in (11,)] + [
        archive_month(date(2025, 12, 1), directory=tmp_path).path
    ]
    got = port_calls(paths, fences, rule, until=until, scheduler="synchronous")
    assert sorted(got, key=lambda c: (c.mmsi, c.arrival_s)) == sorted(
        expected, key=lambda c: (c.mmsi, c.arrival_s)
    )


def test_a_dask_cluster_of_two_worker_processes_finds_the_batch_detectors_calls(traffic, tmp_path):
    """The recompute on a real `dask.distributed` cluster (a scheduler and two worker
    processes on this machine, as on many): the batch detector's calls, field by field, and
    the scheduler's task log shows both workers computed partitions of them."""
    from dataclasses import asdict

    from distributed import Client, LocalCluster, get_task_stream

    fences, rule = load_fences()["QZ_PORT"], Rule()
    rows = [(m, ts.timestamp(), x, y, s) for m, ts, x, y, s, *_ in stored()]
    until = START + 4 * 86400
    expected = sorted(detect_calls(rows, fences, rule, until=until), key=lambda c: c.mmsi)
    assert len(expected) > 3
    paths = [archive_month(date(2025, m, 1), directory=tmp_path).path for m in (11, 12)]
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        with get_task_stream(client) as log:
            got = port_calls(paths, fences, rule, until=until, client=client)
        by_address = port_calls(paths, fences, rule, until=until, client=cluster.scheduler_address)
        workers = set(cluster.workers.values())
        out = tmp_path / "calls.csv"
        call_command("archive_port_calls", "2025-11", "2025-12", "--port", "QZ_PORT",
                     "--dir", str(tmp_path), "--scheduler", cluster.scheduler_address,
                     "--out", str(out))  # fmt: skip
    expected.sort(key=lambda c: (c.mmsi, c.arrival_s))
    assert [asdict(c) for c in got] == [asdict(c) for c in expected]
    assert [asdict(c) for c in by_address] == [asdict(c) for c in expected]
    detectors = [t for t in log.data if "calls_of" in str(t["key"])]
    assert len({t["worker"] for t in detectors}) == 2, {t["worker"] for t in log.data}
    assert len(workers) == 2
    # the command, with the port's stored rule and fences, on the same cluster
    with out.open(encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert [(int(r["mmsi"]), datetime.fromisoformat(r["arrival_at"]).timestamp()) for r in listed] \
        == [(c.mmsi, c.arrival_s) for c in expected]  # fmt: skip


def test_open_and_empty_months_are_refused(traffic, tmp_path):
    with pytest.raises(ArchiveRefused, match="not closed"):
        archive_month(date.today(), directory=tmp_path)
    with pytest.raises(ArchiveRefused, match="no positions"):
        archive_month(date(2019, 1, 1), directory=tmp_path)
    with pytest.raises(CommandError):
        call_command("archive_positions", "2019-01", "--dir", str(tmp_path))
    with pytest.raises(CommandError, match="not a month"):
        call_command("archive_positions", "2019-13")
    call_command("archive_positions", "--before", "2025-12", "--dir", str(tmp_path))
    assert [p.name for p in tmp_path.glob("*.parquet")] == ["positions-2025-11.parquet"]
