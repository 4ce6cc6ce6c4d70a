"""SQL of the AIS positions table (partitioned by month) and its helpers.

Raw SQL lives here and in migrations only, always parameterised.
"""

from __future__ import annotations

from datetime import date, datetime

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
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
