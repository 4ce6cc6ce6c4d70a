"""Issue 13: the open month of positions takes no spatial index (cheap inserts); a closed
month gets its GiST index on (ts, geom), which a box-and-hour query then uses."""

from __future__ import annotations

import psycopg
import pytest

from core.database import db_conninfo

from ..db import index_closed_months

MONTH = "ports_vesselposition_y2024m03"
BOX_HOUR = (
    "SELECT mmsi, ts, ST_X(geom), ST_Y(geom) FROM ports_vesselposition "
    "WHERE ts >= '2024-03-10 10:00Z' AND ts < '2024-03-10 11:00Z' "
    "AND geom && ST_MakeEnvelope(108, 20, 109, 21, 4326) ORDER BY mmsi, ts"
)


def gist_indexes(conn: psycopg.Connection, table: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT ix.relname FROM pg_index x JOIN pg_class ix ON ix.oid = x.indexrelid "
            "JOIN pg_am am ON am.oid = ix.relam WHERE x.indrelid = to_regclass(%s) "
            "AND am.amname = 'gist' AND x.indisvalid",
            [table],
        )
    ]


@pytest.fixture
def conn():
    """An autocommit connection of its own (CREATE INDEX CONCURRENTLY waits for every open
    transaction, a test's own included) and a closed month of positions, dropped after."""
    with psycopg.connect(db_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT ports_ensure_position_partition('2024-03-01')")
        conn.execute(
            f"""
            INSERT INTO {MONTH} (mmsi, ts, geom, sog_kn, msg_type, source)
            SELECT 412000000 + v, '2024-03-10'::timestamptz + make_interval(mins => i),
                   ST_SetSRID(ST_MakePoint(107 + v * 0.05 + i * 0.001, 20.5), 4326), 10, 1, 'T'
            FROM generate_series(0, 1439) AS i, generate_series(0, 39) AS v
            """
        )
        try:
            yield conn
        finally:
            conn.execute(f"DROP TABLE IF EXISTS {MONTH}")


def test_closed_months_get_a_spatial_index_and_the_open_month_none(conn):
    open_month = conn.execute(
        "SELECT ports_ensure_position_partition(date_trunc('month', now())::date)"
    ).fetchone()[0]
    assert gist_indexes(conn, MONTH) == [] and gist_indexes(conn, open_month) == []
    conn.execute("SET enable_seqscan = off")
    without = conn.execute(BOX_HOUR).fetchall()

    done = index_closed_months(conn)

    assert MONTH in done and open_month not in done
    assert gist_indexes(conn, MONTH) == [f"{MONTH}_ts_geom"]
    assert gist_indexes(conn, open_month) == []
    assert index_closed_months(conn) == []  # nothing left to do
    plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + BOX_HOUR))
    assert f"{MONTH}_ts_geom" in plan
    assert conn.execute(BOX_HOUR).fetchall() == without and len(without) > 100


def test_a_month_is_closed_only_a_day_after_its_end(conn):
    """Late reports go on arriving just after a month ends: its index waits."""
    from datetime import timedelta

    done = index_closed_months(conn, close_after=timedelta(days=365 * 100))
    assert done == [] and gist_indexes(conn, MONTH) == []
