"""The AIS app's database module: every statement of its own SQL, tables named through
their models (`_meta.db_table`). The position store's COPY and upserts (`store_sql`, handed
to the Django-free writer in `ais.ingest.store`), the positions table partitioned by month,
and its indexes.

Indexes by the month's state (issue 13: ingest as fast as its slowest stage):
- every month: the primary key (mmsi, ts) (a vessel's track, idempotent writes) and a BRIN
  index on ts (`autosummarize`: ranges are summarised as they fill);
- the open month takes no spatial index: a GiST insert costs more than the rest of a row's
  write together (measured in benchmarks/ais_ingest.py). Its spatial queries are short
  time windows (the port-call follower, the map), read time first through the BRIN index;
- a closed month gets a GiST index on (ts, geom) (`index_closed_months`, run at start and
  hourly by `manage.py index_positions --every 3600` under `make run`; after an upgrade it
  indexes the months already closed): a box and a time window in one index scan, however
  big the month.

Raw SQL of the app lives here and in migrations only, always parameterised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from core.periods import months_of

from .ingest.store import PositionStore, StoreSql
from .models import AisSource, PortCallRecompute, Vessel, VesselLatest, VesselPosition

log = logging.getLogger(__name__)

POSITIONS_TABLE = VesselPosition._meta.db_table
VESSELS_TABLE = Vessel._meta.db_table
LATEST_TABLE = VesselLatest._meta.db_table
SOURCES_TABLE = AisSource._meta.db_table
RECOMPUTES_TABLE = PortCallRecompute._meta.db_table

CREATE_POSITIONS = f"""
CREATE TABLE {POSITIONS_TABLE} (
    mmsi integer NOT NULL,
    ts timestamptz NOT NULL,
    geom geometry(Point, 4326) NOT NULL,
    sog_kn real,
    cog_deg real,
    heading_deg smallint,
    nav_status smallint,
    msg_type smallint NOT NULL,
    source varchar(64) NOT NULL DEFAULT '',
    PRIMARY KEY (mmsi, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX {POSITIONS_TABLE}_ts_brin ON {POSITIONS_TABLE} USING brin (ts);
CREATE INDEX {POSITIONS_TABLE}_geom_gist ON {POSITIONS_TABLE} USING gist (geom);

-- One partition per calendar month (UTC), created on demand by the ingester. Concurrent
-- writers serialise on an advisory lock so two never create the same partition.
CREATE OR REPLACE FUNCTION ports_ensure_position_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    name text := format('{POSITIONS_TABLE}_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
BEGIN
    IF to_regclass(name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(name));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF {POSITIONS_TABLE} '
            'FOR VALUES FROM (%L) TO (%L)',
            name, first::timestamp AT TIME ZONE 'UTC',
            (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END IF;
    RETURN name;
END $$;
"""

DROP_POSITIONS = f"""
DROP FUNCTION IF EXISTS ports_ensure_position_partition(date);
DROP TABLE IF EXISTS {POSITIONS_TABLE} CASCADE;
"""


# -- the position store's statements (a batch: COPY into a staging table, then moved) ----
STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS ais_stage (
    mmsi integer, ts timestamptz, lon float8, lat float8, sog_kn float8, cog_deg float8,
    heading_deg int2, nav_status int2, msg_type int2, source text
) ON COMMIT DELETE ROWS
"""
STAGE_COPY = (
    "COPY ais_stage (mmsi, ts, lon, lat, sog_kn, cog_deg, heading_deg, nav_status, msg_type,"
    " source) FROM STDIN (FORMAT BINARY)"
)
STAGE_TYPES = (
    "int4",
    "timestamptz",
    "float8",
    "float8",
    "float8",
    "float8",
    "int2",
    "int2",
    "int2",
    "text",
)
INSERT_VESSELS_SEEN = f"""
INSERT INTO {VESSELS_TABLE} (mmsi, imo, name, callsign, ship_type, ais_class, length_m, beam_m,
                          draught_m, destination, first_seen_at)
SELECT mmsi, NULL, '', '', NULL, CASE WHEN bool_or(msg_type IN (18, 19)) THEN 'B' ELSE 'A' END,
       NULL, NULL, NULL, '', min(ts)
FROM ais_stage WHERE mmsi = ANY(%s) GROUP BY mmsi ORDER BY mmsi
ON CONFLICT (mmsi) DO NOTHING
"""
# New reports (the usual case) go in by a plain insert; a batch holding a report already
# stored (a replay, a report heard by two stations) fails it and is inserted again with
# ON CONFLICT DO NOTHING, which costs a third more per row (see PositionStore).
INSERT_POSITIONS_NEW = f"""
INSERT INTO {POSITIONS_TABLE} (mmsi, ts, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                  msg_type, source)
SELECT mmsi, ts, ST_SetSRID(ST_MakePoint(lon, lat), 4326), sog_kn, cog_deg, heading_deg,
       nav_status, msg_type, source
FROM ais_stage ORDER BY mmsi, ts
"""
INSERT_POSITIONS = INSERT_POSITIONS_NEW + "ON CONFLICT DO NOTHING\n"
UPSERT_LATEST = f"""
INSERT INTO {LATEST_TABLE} (mmsi, ts, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                msg_type, source)
SELECT DISTINCT ON (mmsi) mmsi, ts, ST_SetSRID(ST_MakePoint(lon, lat), 4326), sog_kn, cog_deg,
       heading_deg, nav_status, msg_type, source
FROM ais_stage ORDER BY mmsi, ts DESC
ON CONFLICT (mmsi) DO UPDATE SET
    ts = EXCLUDED.ts, geom = EXCLUDED.geom, sog_kn = EXCLUDED.sog_kn, cog_deg = EXCLUDED.cog_deg,
    heading_deg = EXCLUDED.heading_deg, nav_status = EXCLUDED.nav_status,
    msg_type = EXCLUDED.msg_type, source = EXCLUDED.source
WHERE {LATEST_TABLE}.ts < EXCLUDED.ts
"""
# A batch's static reports, merged per vessel (store.merge_statics), in one statement: the
# columns as arrays (`STATIC_COLUMNS` order), rows in MMSI order (no deadlock between
# writers).
STATIC_COLUMNS = (
    ("mmsi", "int4"),
    ("imo", "int4"),
    ("name", "text"),
    ("callsign", "text"),
    ("ship_type", "int2"),
    ("ais_class", "text"),
    ("length_m", "int2"),
    ("beam_m", "int2"),
    ("draught_m", "float8"),
    ("destination", "text"),
    ("ts", "timestamptz"),
)
UPSERT_STATIC = f"""
INSERT INTO {VESSELS_TABLE} AS v (mmsi, imo, name, callsign, ship_type, ais_class, length_m, beam_m,
                               draught_m, destination, first_seen_at, static_at)
SELECT u.mmsi, u.imo, coalesce(u.name, ''), coalesce(u.callsign, ''), u.ship_type, u.ais_class,
       u.length_m, u.beam_m, u.draught_m, coalesce(u.destination, ''), u.ts, u.ts
FROM unnest({", ".join(f"%s::{kind}[]" for _, kind in STATIC_COLUMNS)})
     AS u({", ".join(name for name, _ in STATIC_COLUMNS)})
ORDER BY u.mmsi
ON CONFLICT (mmsi) DO UPDATE SET
    imo = coalesce(EXCLUDED.imo, v.imo),
    name = coalesce(nullif(EXCLUDED.name, ''), v.name),
    callsign = coalesce(nullif(EXCLUDED.callsign, ''), v.callsign),
    ship_type = coalesce(EXCLUDED.ship_type, v.ship_type),
    ais_class = coalesce(nullif(EXCLUDED.ais_class, ''), v.ais_class),
    length_m = coalesce(EXCLUDED.length_m, v.length_m),
    beam_m = coalesce(EXCLUDED.beam_m, v.beam_m),
    draught_m = coalesce(EXCLUDED.draught_m, v.draught_m),
    destination = coalesce(nullif(EXCLUDED.destination, ''), v.destination),
    static_at = greatest(v.static_at, EXCLUDED.static_at)
"""
UPSERT_SOURCE = f"""
INSERT INTO {SOURCES_TABLE} (name, last_message_at, last_received_at, positions, static_reports)
VALUES (%s, %s, now(), %s, %s)
ON CONFLICT (name) DO UPDATE SET
    last_message_at = greatest({SOURCES_TABLE}.last_message_at, EXCLUDED.last_message_at),
    last_received_at = now(),
    positions = {SOURCES_TABLE}.positions + EXCLUDED.positions,
    static_reports = {SOURCES_TABLE}.static_reports + EXCLUDED.static_reports
"""
# Positions older than the port-call follower's lag when they are stored (an archive, a
# receiver that buffered) are behind its cursor: ask for their calls to be recomputed.
REQUEST_RECOMPUTE = f"""
INSERT INTO {RECOMPUTES_TABLE} (requested_at, start_at, end_at, mmsis, west, south,
                                     east, north, positions, state, detail)
SELECT now(), min(ts), max(ts), array_agg(DISTINCT mmsi ORDER BY mmsi), min(lon), min(lat),
       max(lon), max(lat), count(*), 'pending', '{{}}'::jsonb
FROM ais_stage WHERE ts < now() - make_interval(secs => %s)
HAVING count(*) > 0
"""


def store_sql() -> StoreSql:
    """The statements of the position store (`ais.ingest.store.PositionStore`)."""
    return StoreSql(
        stage_ddl=STAGE_DDL,
        stage_copy=STAGE_COPY,
        stage_types=STAGE_TYPES,
        clear_stage="DELETE FROM ais_stage",
        insert_vessels_seen=INSERT_VESSELS_SEEN,
        insert_positions_new=INSERT_POSITIONS_NEW,
        insert_positions=INSERT_POSITIONS,
        upsert_latest=UPSERT_LATEST,
        static_columns=tuple(name for name, _ in STATIC_COLUMNS),
        upsert_static=UPSERT_STATIC,
        upsert_source=UPSERT_SOURCE,
        request_recompute=REQUEST_RECOMPUTE,
        ensure_partition="SELECT ports_ensure_position_partition(%s::date)",
    )


def months_between(first: datetime, last: datetime) -> list[date]:
    """The first day of every month from `first` to `last` (inclusive)."""
    return months_of(first.date(), last.date())


# Late reports still arrive after a month ends (receivers that buffered): its spatial
# index is built once this long has passed.
CLOSE_AFTER = timedelta(days=1)

# Each partition: its name, its bounds' text, whether it has a valid GiST index.
PARTITIONS_SQL = f"""
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid),
       EXISTS (SELECT 1 FROM pg_index x JOIN pg_class ix ON ix.oid = x.indexrelid
               JOIN pg_am am ON am.oid = ix.relam
               WHERE x.indrelid = c.oid AND am.amname = 'gist' AND x.indisvalid)
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = '{POSITIONS_TABLE}'::regclass
ORDER BY c.relname
"""
_UPPER_BOUND = re.compile(r"TO \('([^']+)'\)")


def closed_months_without_index(cursor: Any, now: datetime, close_after: timedelta) -> list[str]:
    """The partitions whose month ended more than `close_after` before `now` and that have
    no valid GiST index yet."""
    cursor.execute(PARTITIONS_SQL)
    names = []
    for name, bounds, indexed in cursor.fetchall():
        match = _UPPER_BOUND.search(bounds or "")
        if match and not indexed and datetime.fromisoformat(match[1]) <= now - close_after:
            names.append(name)
    return names


def spatial_index_sql(partition: str) -> str:
    """The closed month's GiST index on (ts, geom) (btree_gist gives ts its GiST class),
    built concurrently."""
    return (
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{partition}_ts_geom" '
        f'ON "{partition}" USING gist (ts, geom)'
    )


def index_closed_months(connection: Any, close_after: timedelta = CLOSE_AFTER) -> list[str]:
    """Give every month partition that closed more than `close_after` ago its GiST index on
    (ts, geom), concurrently (writers and readers go on), then VACUUM ANALYZE it (BRIN
    summarised, statistics fresh). `connection`: a DB-API connection (psycopg's or
    Django's) in autocommit mode (CREATE INDEX CONCURRENTLY cannot run in a transaction).
    Returns the partitions indexed. An interrupted build leaves an invalid index, dropped
    and rebuilt next time."""
    done = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
        for name in closed_months_without_index(cursor, now, close_after):
            # Listed for want of a valid GiST: an index of that name is an invalid one.
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}_ts_geom"')
            started = datetime.now()
            cursor.execute(spatial_index_sql(name))
            cursor.execute(f'VACUUM (ANALYZE) "{name}"')
            log.info("spatial index of %s built in %s", name, datetime.now() - started)
            done.append(name)
    return done


def position_store(conninfo: str, **options: Any) -> PositionStore:
    """A position store on `conninfo` with this app's statements (options: PositionStore's)."""
    return PositionStore(conninfo, store_sql(), **options)


# -- month partitions as the archive reads, counts and detaches them -----------------------
def partition_name(month: date) -> str:
    """The partition holding a month's positions (UTC)."""
    return f"{POSITIONS_TABLE}_y{month:%Y}m{month:%m}"


def partition_exists(month: date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition_name(month)])
        return bool(cursor.fetchone()[0])


def partition_rows(month: date) -> int:
    """How many positions a month's partition holds."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{partition_name(month)}"')
        return int(cursor.fetchone()[0])


def stored_months() -> list[date]:
    """The months whose partition holds positions (empty ones, made ahead of need, left
    out), oldest first."""
    months = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY 1",
            [POSITIONS_TABLE],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")')
            if cursor.fetchone()[0]:
                months.append(date(int(name[-7:-3]), int(name[-2:]), 1))
    return months


ARCHIVE_COLUMNS = (
    "mmsi, ts, ST_X(geom), ST_Y(geom), sog_kn, cog_deg, heading_deg, nav_status, msg_type, source"
)


def read_partition(month: date, fetch: int) -> Iterator[list[tuple[Any, ...]]]:
    """A month's positions in (mmsi, ts) order, `fetch` rows at a time, through a
    server-side cursor: mmsi, ts, lon, lat, sog_kn, cog_deg, heading_deg, nav_status,
    msg_type, source."""
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(f'SELECT {ARCHIVE_COLUMNS} FROM "{partition_name(month)}" ORDER BY mmsi, ts')
        while batch := cursor.fetchmany(fetch):
            yield batch


def detach_partition(month: date, rows: int) -> bool:
    """Detach and drop a month's partition if it still holds `rows` positions (locked
    first); False, and nothing dropped, when rows came in after they were counted."""
    table = partition_name(month)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        if int(cursor.fetchone()[0]) != rows:
            return False
        cursor.execute(f'ALTER TABLE {POSITIONS_TABLE} DETACH PARTITION "{table}"')
        cursor.execute(f'DROP TABLE "{table}"')
    return True
