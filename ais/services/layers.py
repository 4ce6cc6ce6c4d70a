"""The vessel layers written by PostGIS (see core.geojson): the live vessels of
`/api/vessels/`, the map's compact live layer and a vessel's track, each one query."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Count, Max, QuerySet

from core.geojson import (
    SqlLayer,
    case_ranges,
    iso_utc,
    json_object,
    number,
    quoted,
    string,
    tenths,
)
from core.limits import check_window

from ..choices import SHIP_TYPE_RANGES, ShipTypeGroup
from ..models import VesselLatest, VesselPosition

GROUP_SQL = string(case_ranges("v.ship_type", SHIP_TYPE_RANGES, ShipTypeGroup.UNKNOWN))

# `/api/vessels/`: the fields of VesselLatestSerializer, in its order.
VESSELS = SqlLayer(
    source="ports_vessellatest l JOIN ports_vessel v ON v.mmsi = l.mmsi",
    key="l.mmsi",
    geometry="l.geom",
    properties=[
        ("mmsi", number("l.mmsi")),
        ("name", string("v.name")),
        ("ship_type", number("v.ship_type")),
        ("ship_type_group", GROUP_SQL),
        ("ts", quoted(iso_utc("l.ts"))),
        ("sog_kn", number("l.sog_kn")),
        ("cog_deg", number("l.cog_deg")),
        ("heading_deg", number("l.heading_deg")),
        ("nav_status", number("l.nav_status")),
        ("msg_type", number("l.msg_type")),
        ("source", string("l.source")),
    ],
)

# The map's live layer: compact (`g` group, `sog` kn, `dir` heading else course, `ts` unix
# seconds), coordinates to 5 decimals (1 m).
LIVE = SqlLayer(
    source="ports_vessellatest l JOIN ports_vessel v ON v.mmsi = l.mmsi",
    key="l.mmsi",
    geometry="l.geom",
    precision=5,
    properties=[
        ("mmsi", number("l.mmsi")),
        ("name", string("coalesce(nullif(v.name, ''), l.mmsi::text)")),
        ("g", GROUP_SQL),
        ("sog", number(tenths("l.sog_kn"))),
        ("dir", number("coalesce(l.heading_deg, round(l.cog_deg::float8))")),
        ("ts", number("floor(extract(epoch FROM l.ts))::bigint")),
    ],
)


def vessels_json(rows: QuerySet[VesselLatest], **members: object) -> str:
    """`/api/vessels/` for the vessels of `rows` (filtered, paginated) as JSON text."""
    return VESSELS.collection(rows.values("vessel_id"), members)


def live_json(max_age_min: float = 60.0) -> str:
    """The map's live layer: the newest position of each vessel (coast stations and MMSI 0
    left out) seen within `max_age_min`."""
    rows = VesselLatest.objects.vessels().seen_within(max_age_min)
    return LIVE.collection(rows.values("vessel_id"))


def _iso_offset(column: str) -> str:
    """Python's `isoformat()` of a UTC datetime ("+00:00"), as the track has written it."""
    return quoted(iso_utc(column, "+00:00"))


POINT = json_object(
    [
        ("type", "'\"Feature\"'"),
        ("geometry", "ST_AsGeoJSON(p.geom, 9)"),
        (
            "properties",
            json_object(
                [
                    ("ts", _iso_offset("p.ts")),
                    ("sog_kn", number(tenths("p.sog_kn"))),
                    ("cog_deg", number(tenths("p.cog_deg"))),
                    ("heading_deg", number("p.heading_deg")),
                    ("nav_status", number("p.nav_status")),
                ]
            ),
        ),
    ]
)
LINE = json_object(
    [
        ("type", "'\"Feature\"'"),
        ("geometry", "ST_AsGeoJSON(ST_MakeLine(p.geom ORDER BY p.ts), 9)"),
        (
            "properties",
            json_object(
                [
                    ("mmsi", number("%s::int")),
                    ("start", _iso_offset("min(p.ts)")),
                    ("end", _iso_offset("max(p.ts)")),
                    ("points", number("count(*)")),
                ]
            ),
        ),
    ]
)


# The longest track one request may ask for (days): every surface refuses longer ones with
# the same message (core.limits.WindowRefused).
MAX_TRACK_DAYS = 31


def track_json(mmsi: int, start: datetime, end: datetime, max_points: int = 20_000) -> str:
    """A vessel's track in [start, end] (at most MAX_TRACK_DAYS; `sog_kn`, `cog_deg`
    rounded back to the AIS 0.1 resolution from float4; times ISO 8601 UTC), written by
    PostGIS from one primary-key range scan: a LineString (two points or more), then a
    Point per position."""
    check_window(start, end, MAX_TRACK_DAYS)
    points_sql, params = (
        VesselPosition.objects.track(mmsi, start, end)
        .values("ts", "geom", "sog_kn", "cog_deg", "heading_deg", "nav_status")[:max_points]
        .query.sql_with_params()
    )
    sql = f"""
        WITH p AS MATERIALIZED ({points_sql})
        SELECT '{{"type":"FeatureCollection","features":['
            || coalesce((SELECT {LINE} || ',' FROM p HAVING count(*) >= 2), '')
            || coalesce((SELECT string_agg({POINT}, ',' ORDER BY p.ts) FROM p), '')
            || ']}}'
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, mmsi])
        return str(cursor.fetchone()[0])


def vessels_seen(minutes: float = 60.0) -> tuple[int, datetime | None]:
    """How many vessels (VESSEL_MMSI_RANGES: no coast stations) reported in the last
    `minutes`, and the newest report's time: the live figure of the map and the AIS stats."""
    got = VesselLatest.objects.vessels().seen_within(minutes).aggregate(n=Count("pk"), t=Max("ts"))
    return int(got["n"] or 0), got["t"]
