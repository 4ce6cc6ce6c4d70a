"""Issue 13: the vessel layers PostGIS writes equal, feature by feature, what the Python
serializers wrote for the same rows (coordinates to 1e-9 degree: PostGIS writes 9 decimals,
the live layer 5)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.functions import StX, StY
from tests.factories import make_positions, make_vessel

from ..api.serializers import VesselLatestSerializer
from ..choices import ship_type_group
from ..models import VesselLatest, VesselPosition
from ..services import layers

pytestmark = pytest.mark.django_db


def same(a: object, b: object, tol: float, path: str = "") -> None:
    """Deep equality, floats within `tol` (ints and floats alike), with the path on failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            same(a[k], b[k], tol, f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, tol, f"{path}[{i}]")
    elif isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        # 0 and 0.0 alike: PostgreSQL writes a whole float8 without ".0"; JSON has one
        # number type.
        assert math.isclose(a, b, abs_tol=tol), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def live_vessels(  # the Python layer before issue 13: the reference
    max_age_min: float = 60.0, bbox: tuple[float, float, float, float] | None = None
) -> dict[str, Any]:
    """The live map layer: newest position of each vessel seen within `max_age_min`, as a
    compact GeoJSON FeatureCollection (`g` ship type group, `sog` kn, `dir` heading or
    course in degrees, `ts` unix seconds)."""
    qs = VesselLatest.objects.vessels().seen_within(max_age_min)
    if bbox:
        qs = qs.within_bbox(*bbox)
    rows = qs.annotate(lon=StX("geom"), lat=StY("geom")).values_list(
        "vessel_id",
        "vessel__name",
        "vessel__ship_type",
        "sog_kn",
        "cog_deg",
        "heading_deg",
        "ts",
        "lon",
        "lat",
    )
    features = []
    for mmsi, name, ship_type, sog, cog, heading, ts, lon, lat in rows:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {
                    "mmsi": mmsi,
                    "name": name or str(mmsi),
                    "g": ship_type_group(ship_type),
                    "sog": None if sog is None else round(sog, 1),
                    "dir": heading
                    if heading is not None
                    else (None if cog is None else round(cog)),
                    "ts": int(ts.timestamp()),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def vessel_track(  # the Python track before issue 13: the reference
    mmsi: int, start: datetime, end: datetime, max_points: int = 20_000
) -> dict[str, Any]:
    """A vessel's track in [start, end] as GeoJSON: a LineString then Point features
    (lon/lat EPSG:4326; `sog_kn` knots, `cog_deg` degrees, `ts` ISO 8601 UTC)."""
    rows = list(
        VesselPosition.objects.track(mmsi, start, end).values_list(
            "ts", "geom", "sog_kn", "cog_deg", "heading_deg", "nav_status"
        )[:max_points]
    )
    points = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [g.x, g.y]},
            # Stored as float4: rounded back to the 0.1 kn / 0.1 degree AIS resolution.
            "properties": {
                "ts": ts.isoformat(),
                "sog_kn": None if sog is None else round(sog, 1),
                "cog_deg": None if cog is None else round(cog, 1),
                "heading_deg": heading,
                "nav_status": status,
            },
        }
        for ts, g, sog, cog, heading, status in rows
    ]
    features = []
    if len(rows) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[g.x, g.y] for _, g, *_ in rows],
                },
                "properties": {
                    "mmsi": mmsi,
                    "start": rows[0][0].isoformat(),
                    "end": rows[-1][0].isoformat(),
                    "points": len(rows),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features + points}


@pytest.fixture
def fleet():
    """Vessels of every kind of value: no name, unknown and edge ship types, nulls, whole and
    fractional seconds, negative coordinates, a name with quotes and Chinese."""
    now = timezone.now().replace(microsecond=0)
    cases = [
        ({"name": "", "ship_type": None}, (108.123456789, 21.5), now, None, None, None),
        ({"name": 'Q"Z \\ 钦州', "ship_type": 70}, (-0.5, -33.25), now, 12.3, 181.7, 180),
        ({"name": "TUG", "ship_type": 52}, (179.99, 0.0), now - timedelta(minutes=5), 0.0, 0, 0),
        (
            {"name": "HSC", "ship_type": 49},
            (100.0, 1.3),
            now.replace(microsecond=250_000),
            30.1,
            359.9,
            None,
        ),
        ({"name": "ODD", "ship_type": 0}, (105.0, 10.0), now - timedelta(minutes=30), 1.5, 3.0, 5),
        ({"name": "OTHER", "ship_type": 99}, (106.0, 11.0), now, None, 90.0, None),
        # Courses at ties of the rounding to whole degrees (half to even, as Python).
        ({"name": "TIES", "ship_type": 30}, (106.5, 11.5), now, 0.3, 2.5, None),
        ({"name": "TIES2", "ship_type": 31}, (106.6, 11.6), now, 0.2, 0.5, None),
    ]
    vessels = []
    for values, (lon, lat), ts, sog, cog, heading in cases:
        vessel = make_vessel(**values)
        VesselLatest.objects.create(
            vessel=vessel,
            ts=ts,
            geom=Point(lon, lat, srid=4326),
            sog_kn=sog,
            cog_deg=cog,
            heading_deg=heading,
            nav_status=None if heading is None else 0,
            msg_type=1,
            source="TEST",
        )
        vessels.append(vessel)
    return vessels


def test_the_vessel_list_equals_the_serializer(fleet):
    rows = VesselLatest.objects.vessels().select_related("vessel").order_by("vessel_id")
    before = json.loads(json.dumps(VesselLatestSerializer(rows, many=True).data))
    after = json.loads(layers.vessels_json(rows, count=rows.count()))
    assert after["count"] == len(fleet) == len(before["features"])
    same(after["features"], before["features"], 1e-9)
    # A page of them: the same rows the queryset slice names.
    page = json.loads(layers.vessels_json(rows.all()[2:4]))
    assert [f["properties"]["mmsi"] for f in page["features"]] == [v.mmsi for v in fleet[2:4]]
    assert json.loads(layers.vessels_json(rows.none()))["features"] == []


def test_the_live_layer_equals_the_python_one(fleet):
    before = live_vessels(60.0)
    after = json.loads(layers.live_json(60.0))
    key = lambda f: f["properties"]["mmsi"]  # noqa: E731
    same(sorted(after["features"], key=key), sorted(before["features"], key=key), 1e-5)
    assert len(after["features"]) == len(fleet)


def test_the_track_equals_the_python_one():
    vessel = make_vessel()
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    make_positions(
        vessel.mmsi, [(108.5 + i / 1000, 21.6 - i / 3000, i / 7) for i in range(50)], start, 37.5
    )
    end = start + timedelta(hours=1)
    before = vessel_track(vessel.mmsi, start, end)
    after = json.loads(layers.track_json(vessel.mmsi, start, end))
    assert len(after["features"]) == 51
    same(after, before, 1e-9)
    one = json.loads(layers.track_json(vessel.mmsi, start, start))
    same(one, vessel_track(vessel.mmsi, start, start), 1e-9)
    assert len(one["features"]) == 1  # one point, no line
    capped = json.loads(layers.track_json(vessel.mmsi, start, end, max_points=10))
    same(capped, vessel_track(vessel.mmsi, start, end, max_points=10), 1e-9)
    empty = json.loads(layers.track_json(vessel.mmsi, end, end + timedelta(hours=1)))
    assert empty == {"type": "FeatureCollection", "features": []}
