"""PostgreSQL stops and restarts in the middle of a stream: every position arrives once.

A throwaway PostGIS cluster (scripts/pg.sh with its own folder and port) is migrated, a TCP
feed plays simulator lines, `manage.py ingest_ais tcp://...` runs as a real process; the
cluster is stopped for a few seconds while the feed goes on (the ingester buffers and
spills to disk), then started again. After SIGTERM the ingester flushes and exits, and the
stored positions are exactly the decoded ones: none lost, none twice.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ais.demo.feed import FeedServer
from ais.demo.simulator import Simulator, load_lanes
from ais.ingest.ais import decode_lines

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def feed_lines() -> list[str]:
    sim = Simulator(load_lanes(ROOT / "data" / "gis" / "sea_lanes.geojson"), seed=21)
    start = float(int(time.time()) - 3600)  # a feed's reports are recent (the stream window)
    plan = sim.plan(start, 3600, initial=40)
    return [line for _, line in sim.sentences(plan, start, start + 1800)]


def test_database_restart_mid_stream_loses_nothing(own_cluster):
    cluster = own_cluster
    lines = feed_lines()[:6000]
    positions, _, _ = decode_lines([line.encode() for line in lines])
    expected = {(p.mmsi, p.ts) for p in positions}
    assert len(expected) > 4000

    server = FeedServer("127.0.0.1", 0)
    spill = cluster["var"] / "spill"
    ingester = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "ingest_ais",
            f"tcp://127.0.0.1:{server.port}",
            "--flush-interval",
            "0.2",
            "--summary-every",
            "0",
            "--max-memory-rows",
            "300",
            "--spill-dir",
            str(spill),
        ],
        cwd=ROOT,
        env=cluster["app_env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while server.client_count == 0:
            assert time.monotonic() < deadline, "the ingester never connected"
            time.sleep(0.1)

        def play(chunk: list[str], seconds: float) -> None:
            step = max(1, len(chunk) // 40)
            for i in range(0, len(chunk), step):
                server.send(chunk[i : i + step])
                time.sleep(seconds / 40)

        third = len(lines) // 3
        play(lines[:third], 2.0)
        subprocess.run(
            [*cluster["pg"], "stop"], env=cluster["env"], check=True, capture_output=True
        )
        play(lines[third : 2 * third], 3.0)  # the database is away: buffered, then spilled
        time.sleep(1.5)
        spilled_while_down = list(spill.glob("batch-*.json"))
        subprocess.run(
            [*cluster["pg"], "start"], env=cluster["env"], check=True, capture_output=True
        )
        play(lines[2 * third :], 2.0)
        time.sleep(2.0)
    finally:
        ingester.send_signal(signal.SIGTERM)
        out, err = ingester.communicate(timeout=60)
        server.close()
    assert ingester.returncode == 0, err[-2000:]
    assert spilled_while_down, "nothing was spilled to disk while the database was down"
    assert "database outages" in out and "rows still buffered" not in out

    with psycopg.connect(cluster["dsn"]) as conn:
        stored = set(conn.execute("SELECT mmsi, ts FROM ports_vesselposition").fetchall())
        [(latest_count,)] = conn.execute("SELECT count(*) FROM ports_vessellatest").fetchall()
    assert stored == expected  # every position exactly once (the primary key forbids twice)
    assert latest_count == len({m for m, _ in expected})
    assert not list(spill.glob("batch-*.json"))  # the spill was written back and removed
