"""The buffered writer: spill while the database is unreachable, replay later, set aside
what the database refuses, never block the reader."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.database import db_conninfo

from ..db import position_store
from ..ingest.ais import Position
from ..ingest.store import Batch, BufferedWriter
from ..models import VesselPosition

pytestmark = pytest.mark.usefixtures("ais_tables")
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def batch(n: int, mmsi: int = 413500000, start: int = 0, source: str = "TEST") -> Batch:
    return Batch(
        [
            Position(
                mmsi + i % 7,
                T0 + timedelta(seconds=start + i),
                108.5 + i * 1e-4,
                21.6,
                10.0,
                90.0,
                90,
                0,
                1,
                source,
            )
            for i in range(n)
        ]
    )


def dead_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"host=127.0.0.1 port={port} dbname=x user=x password=x"


def test_unreachable_database_spills_then_replays(tmp_path):
    writer = BufferedWriter(
        position_store(dead_port(), connect_timeout_s=1),
        tmp_path,
        max_memory_rows=100,
        retry_max_s=0.2,
    ).start()
    started = time.monotonic()
    for k in range(6):
        writer.submit(batch(50, start=k * 50))
    assert time.monotonic() - started < 2  # the reader was never held up
    deadline = time.monotonic() + 5
    while len(list(tmp_path.glob("batch-*.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.abandon()
    writer.close(timeout=10)
    spilled = sorted(tmp_path.glob("batch-*.json"))
    assert sum(int(p.stem.split("-")[2]) for p in spilled) == 300
    assert writer.counts["db_errors"] >= 1 and not VesselPosition.objects.exists()

    # The next run, with the database back, writes the spill first, oldest first.
    replay = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    replay.submit(batch(10, start=1000))
    replay.close(timeout=30)
    assert VesselPosition.objects.count() == 310
    assert not list(tmp_path.glob("batch-*.json"))


def test_refused_batch_is_set_aside_and_the_rest_goes_on(tmp_path):
    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    bad = batch(3, mmsi=413600000)
    bad.positions.append(bad.positions[0]._replace(source="X" * 80))  # varchar(64)
    writer.submit(bad)
    writer.submit(batch(5, mmsi=413700000))
    writer.close(timeout=30)
    assert writer.error is None
    # only the refused row is set aside: the three good rows of its batch are stored
    assert writer.counts["dead_batches"] == 1 and writer.counts["dead_rows"] == 1
    assert list(tmp_path.glob("dead-*.json"))
    assert set(VesselPosition.objects.values_list("mmsi", flat=True)) == {
        *(413600000 + i for i in range(3)),
        *(413700000 + i for i in range(5)),
    }


def test_latest_is_upserted_only_when_newer(tmp_path):
    from ..models import VesselLatest

    store = position_store(db_conninfo())
    try:
        store.write_batch(batch(1, start=100), flush_latest=True)
        store.write_batch(batch(1, start=50), flush_latest=True)  # older: ignored
        latest = VesselLatest.objects.get(vessel_id=413500000)
        assert latest.ts == T0 + timedelta(seconds=100)
        assert store.write_batch(batch(1, start=100)) == 0  # already stored
    finally:
        store.close()


def test_reports_already_stored_are_skipped_and_the_rest_stored(monkeypatch):
    """A batch that repeats stored reports (a replay, two stations hearing one message)
    fails the plain insert, goes in with ON CONFLICT (only its new rows), and the next
    batches of the replay go straight there; afterwards plain inserts again."""
    from ..ingest import store as store_module

    monkeypatch.setattr(store_module, "REPLAY_BATCHES", 1)
    store = position_store(db_conninfo())
    statements: list[str] = []
    try:
        assert store.write_batch(batch(40)) == 40
        original = store._insert_positions

        def watched(cur):
            statements.append("plain" if store._conflicts_left == 0 else "on conflict")
            return original(cur)

        store._insert_positions = watched  # type: ignore[method-assign]
        assert store.write_batch(batch(60)) == 20  # 40 stored already, 20 new
        assert store.write_batch(batch(80)) == 20  # straight to ON CONFLICT
        assert store.write_batch(batch(10, start=500)) == 10  # plain again
    finally:
        store.close()
    assert statements == ["plain", "on conflict", "plain"]
    assert VesselPosition.objects.count() == 90


def test_static_reports_fill_in_and_never_blank_what_is_known():
    """A later report without a name or destination keeps the known ones; fields it does
    carry are updated; type 24 parts A and B of one batch are merged into one row."""
    from ..ingest.ais import StaticReport
    from ..models import Vessel

    store = position_store(db_conninfo())
    mmsi = 413600001
    try:
        store.write_batch(
            Batch(
                [],
                [
                    StaticReport(mmsi, T0, 5, "S", imo=9000001, name="FIRST", destination="QZ"),
                    StaticReport(mmsi + 1, T0, 24, "S", name="BEE"),
                    StaticReport(mmsi + 1, T0, 24, "S", callsign="B1", ship_type=37, to_bow_m=9),
                ],
            )
        )
        later = T0 + timedelta(hours=1)
        store.write_batch(
            Batch([], [StaticReport(mmsi, later, 5, "S", ship_type=70, draught_m=9.5)])
        )
    finally:
        store.close()
    first, bee = Vessel.objects.get(mmsi=mmsi), Vessel.objects.get(mmsi=mmsi + 1)
    assert (first.name, first.destination, first.imo) == ("FIRST", "QZ", 9000001)
    assert (first.ship_type, first.draught_m, first.static_at) == (70, 9.5, later)
    assert (bee.name, bee.callsign, bee.ship_type, bee.length_m, bee.ais_class) == (
        "BEE",
        "B1",
        37,
        9,
        "B",
    )
