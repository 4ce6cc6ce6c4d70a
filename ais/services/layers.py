"""The vessel layers written by PostGIS (see core.geojson): the live vessels of
`/api/vessels/`, the map's compact live layer and a vessel's track, each one query."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from core.functions import (
    EpochSeconds,
    Feature,
    JsonArrayAgg,
    JsonNumber,
    JsonText,
    JsonTime,
    MakeLine,
    RoundFloat,
    Tenths,
)
from core.geojson import Layer
from core.limits import check_window

from ..choices import SHIP_TYPE_RANGES, ShipTypeGroup
from ..models import VesselLatest, VesselPosition


def ship_type_group_of(path: str) -> Case:
    """The ship type group (ais.choices.ship_type_group) of the code at `path`, in SQL:
    `unknown` for none or 0, else the first group whose ranges hold it."""
    unknown = Value(str(ShipTypeGroup.UNKNOWN))
    return Case(
        When(Q(**{f"{path}__isnull": True}) | Q(**{path: 0}), then=unknown),
        *(
            When(**{f"{path}__range": (lo, hi)}, then=Value(str(group)))
            for group, spans in SHIP_TYPE_RANGES.items()
            for lo, hi in spans
        ),
        default=unknown,
    )


# `/api/vessels/`: the fields of VesselLatestSerializer, in its order.
VESSELS = Layer(
    geometry="geom",
    ordering=["vessel_id"],
    properties=[
        ("mmsi", JsonNumber("vessel_id")),
        ("name", "vessel__name"),
        ("ship_type", JsonNumber("vessel__ship_type")),
        ("ship_type_group", JsonText(ship_type_group_of("vessel__ship_type"))),
        ("ts", JsonTime("ts")),
        ("sog_kn", JsonNumber("sog_kn")),
        ("cog_deg", JsonNumber("cog_deg")),
        ("heading_deg", JsonNumber("heading_deg")),
        ("nav_status", JsonNumber("nav_status")),
        ("msg_type", JsonNumber("msg_type")),
        ("source", "source"),
    ],
)

# The map's live layer: compact (`g` group, `sog` kn, `dir` heading else course, `ts` unix
# seconds), coordinates to 5 decimals (1 m).
LIVE = Layer(
    geometry="geom",
    precision=5,
    ordering=["vessel_id"],
    properties=[
        ("mmsi", JsonNumber("vessel_id")),
        (
            "name",
            JsonText(Coalesce(NullIf("vessel__name", Value("")), Cast("vessel_id", TextField()))),
        ),
        ("g", JsonText(ship_type_group_of("vessel__ship_type"))),
        ("sog", JsonNumber(Tenths("sog_kn"))),
        (
            "dir",
            JsonNumber(
                Coalesce(
                    F("heading_deg"),
                    RoundFloat("cog_deg"),
                    output_field=FloatField(),
                )
            ),
        ),
        ("ts", JsonNumber(EpochSeconds("ts"))),
    ],
)


def vessels_json(rows: QuerySet[VesselLatest], **members: object) -> str:
    """`/api/vessels/` for the vessels of `rows` (filtered, paginated) as JSON text."""
    return VESSELS.collection(rows, members)


def live_json(max_age_min: float = 60.0) -> str:
    """The map's live layer: the newest position of each vessel (coast stations and MMSI 0
    left out) seen within `max_age_min`."""
    rows = VesselLatest.objects.vessels().seen_within(max_age_min)
    return LIVE.collection(rows)


# A track's points: Python's `isoformat()` times ("+00:00"), as the track has written them.
POINT = Feature(
    "geom",
    [
        ("ts", JsonTime("ts", zone="+00:00")),
        ("sog_kn", JsonNumber(Tenths("sog_kn"))),
        ("cog_deg", JsonNumber(Tenths("cog_deg"))),
        ("heading_deg", JsonNumber("heading_deg")),
        ("nav_status", JsonNumber("nav_status")),
    ],
)


def _line(mmsi: int) -> Feature:
    """The track as one LineString feature (an aggregate over its points)."""
    return Feature(
        MakeLine("geom", order_by=["ts"]),
        [
            ("mmsi", JsonNumber(Value(mmsi))),
            ("start", JsonTime(Min("ts"), zone="+00:00")),
            ("end", JsonTime(Max("ts"), zone="+00:00")),
            ("points", JsonNumber(Count("*"))),
        ],
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
    track = VesselPosition.objects.track(mmsi, start, end)
    # The first `max_points` positions: those up to the time of the last of them.
    last = track.values("ts")[max_points - 1 : max_points]
    points = track.filter(ts__lte=Coalesce(Subquery(last), Value(end))).order_by()
    found = points.aggregate(
        n=Count("*"),
        line=_line(mmsi),
        points=JsonArrayAgg(POINT, order_by=["ts"]),
    )
    features = str(found["points"])[1:-1]
    if found["n"] >= 2:
        features = str(found["line"]) + ("," + features if features else "")
    return '{"type":"FeatureCollection","features":[' + features + "]}"


def vessels_seen(minutes: float = 60.0) -> tuple[int, datetime | None]:
    """How many vessels (VESSEL_MMSI_RANGES: no coast stations) reported in the last
    `minutes`, and the newest report's time: the live figure of the map and the AIS stats."""
    got = VesselLatest.objects.vessels().seen_within(minutes).aggregate(n=Count("pk"), t=Max("ts"))
    return int(got["n"] or 0), got["t"]
