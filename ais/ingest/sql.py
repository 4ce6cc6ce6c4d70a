"""SQL of the AIS position store (`store.PositionStore`): the staging table its binary COPY
fills, and the statements that move a batch into the partitioned positions table, the latest
positions, vessels and source counters. Always parameterised."""

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
STAGE_TYPES = [
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
]
INSERT_VESSELS_SEEN = """
INSERT INTO ports_vessel (mmsi, imo, name, callsign, ship_type, ais_class, length_m, beam_m,
                          draught_m, destination, first_seen_at)
SELECT mmsi, NULL, '', '', NULL, CASE WHEN bool_or(msg_type IN (18, 19)) THEN 'B' ELSE 'A' END,
       NULL, NULL, NULL, '', min(ts)
FROM ais_stage WHERE mmsi = ANY(%s) GROUP BY mmsi ORDER BY mmsi
ON CONFLICT (mmsi) DO NOTHING
"""
# New reports (the usual case) go in by a plain insert; a batch holding a report already
# stored (a replay, a report heard by two stations) fails it and is inserted again with
# ON CONFLICT DO NOTHING, which costs a third more per row (see PositionStore).
INSERT_POSITIONS_NEW = """
INSERT INTO ports_vesselposition (mmsi, ts, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                  msg_type, source)
SELECT mmsi, ts, ST_SetSRID(ST_MakePoint(lon, lat), 4326), sog_kn, cog_deg, heading_deg,
       nav_status, msg_type, source
FROM ais_stage ORDER BY mmsi, ts
"""
INSERT_POSITIONS = INSERT_POSITIONS_NEW + "ON CONFLICT DO NOTHING\n"
UPSERT_LATEST = """
INSERT INTO ports_vessellatest (mmsi, ts, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                msg_type, source)
SELECT DISTINCT ON (mmsi) mmsi, ts, ST_SetSRID(ST_MakePoint(lon, lat), 4326), sog_kn, cog_deg,
       heading_deg, nav_status, msg_type, source
FROM ais_stage ORDER BY mmsi, ts DESC
ON CONFLICT (mmsi) DO UPDATE SET
    ts = EXCLUDED.ts, geom = EXCLUDED.geom, sog_kn = EXCLUDED.sog_kn, cog_deg = EXCLUDED.cog_deg,
    heading_deg = EXCLUDED.heading_deg, nav_status = EXCLUDED.nav_status,
    msg_type = EXCLUDED.msg_type, source = EXCLUDED.source
WHERE ports_vessellatest.ts < EXCLUDED.ts
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
INSERT INTO ports_vessel AS v (mmsi, imo, name, callsign, ship_type, ais_class, length_m, beam_m,
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
UPSERT_SOURCE = """
INSERT INTO ports_aissource (name, last_message_at, last_received_at, positions, static_reports)
VALUES (%s, %s, now(), %s, %s)
ON CONFLICT (name) DO UPDATE SET
    last_message_at = greatest(ports_aissource.last_message_at, EXCLUDED.last_message_at),
    last_received_at = now(),
    positions = ports_aissource.positions + EXCLUDED.positions,
    static_reports = ports_aissource.static_reports + EXCLUDED.static_reports
"""
# Positions older than the port-call follower's lag when they are stored (an archive, a
# receiver that buffered) are behind its cursor: ask for their calls to be recomputed.
REQUEST_RECOMPUTE = """
INSERT INTO ports_portcallrecompute (requested_at, start_at, end_at, mmsis, west, south,
                                     east, north, positions, state, detail)
SELECT now(), min(ts), max(ts), array_agg(DISTINCT mmsi ORDER BY mmsi), min(lon), min(lat),
       max(lon), max(lat), count(*), 'pending', '{}'::jsonb
FROM ais_stage WHERE ts < now() - make_interval(secs => %s)
HAVING count(*) > 0
"""
