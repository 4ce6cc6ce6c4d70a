"""SQL of the AIS positions table (partitioned by month) and its helpers.

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

Raw SQL lives here and in migrations only, always parameterised.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any

from core.periods import months_of

log = logging.getLogger(__name__)

POSITIONS_TABLE = "ports_vesselposition"

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
