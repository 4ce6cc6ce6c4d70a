"""Factories: build the rows a test needs, with sensible defaults, instead of relying on
what the seed happens to hold. Positions go through the partitioned table's SQL (the
model only reads it); everything is written in the test's transaction."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.utils import timezone

from ais.models import Vessel
from geo.models import Geofence, Node
from portcalls.models import DetectionRule, PortCall

_codes = itertools.count(1)
_mmsis = itertools.count(412_900_001)


def make_node(code: str | None = None, lon: float = 108.0, lat: float = 22.0, **values) -> Node:
    code = code or f"T{next(_codes):04d}"
    defaults = {
        "name_en": f"Test node {code}",
        "name_zh": f"测试节点{code}",
        "kind": "sea_port",
        "kinds": ["sea_port"],
        "country": "CN",
        "coord_quality": "approximate",
    }
    return Node.objects.create(code=code, geom=Point(lon, lat, srid=4326), **{**defaults, **values})


def square(lon: float, lat: float, half_deg: float) -> Polygon:
    return Polygon.from_bbox((lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg))


def make_port(code: str | None = None, lon: float = 108.0, lat: float = 22.0) -> Node:
    """A watched port: a node with a port limit, a berth and an anchorage, and a rule."""
    node = make_node(code, lon, lat)
    now = timezone.now()
    for kind, geom in (
        ("port_limit", square(lon, lat, 0.1)),
        ("berth", square(lon, lat + 0.05, 0.01)),
        ("anchorage", square(lon, lat - 0.05, 0.02)),
    ):
        geom.srid = 4326
        Geofence.objects.create(
            node=node, kind=kind, name=f"{node.code} {kind}", geom=geom, valid_from=now
        )
    DetectionRule.objects.create(node=node, version=1, valid_from=now)
    return node


def make_vessel(mmsi: int | None = None, **values) -> Vessel:
    defaults = {"name": "TEST VESSEL", "ship_type": 70, "first_seen_at": timezone.now()}
    return Vessel.objects.create(mmsi=mmsi or next(_mmsis), **{**defaults, **values})


def make_positions(
    mmsi: int, points: Iterable[tuple[float, float, float]], start: datetime, step_s: float = 60
) -> int:
    """Store (lon, lat, sog_kn) positions of `mmsi` every `step_s` seconds from `start`."""
    rows = [
        (mmsi, start + timedelta(seconds=i * step_s), lon, lat, sog)
        for i, (lon, lat, sog) in enumerate(points)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ports_vesselposition (mmsi, ts, geom, sog_kn, msg_type, source) "
            "VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 1, 'TEST')",
            rows,
        )
    return len(rows)


def make_call(node: Node, vessel: Vessel, arrival_at: datetime, **values) -> PortCall:
    rule = DetectionRule.objects.get(node=node, valid_to__isnull=True)
    return PortCall.objects.create(
        stable_id=f"t{next(_codes):015d}",
        node=node,
        vessel=vessel,
        rule=rule,
        arrival_at=arrival_at,
        **values,
    )


def make_figure(node: Node, first: str, last: str, value: Any, qualifier: str = "", **values):
    """An official figure of `node` for [first, last] (ISO dates), TEU of the whole flow by
    default; its kind (month, year, partial) from its dates."""
    from decimal import Decimal

    from ports.models import ThroughputReport

    start, end = date.fromisoformat(first), date.fromisoformat(last)
    kind = "month" if (start.year, start.month) == (end.year, end.month) else "year"
    if kind == "year" and (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
        kind = "partial"
    defaults = {
        "metric": "teu",
        "unit": "teu",
        "source": "published",
        "status": "approved",
        "official": True,
        "current": True,
        "reporting_entity": f"{node.code} port",
        "period_kind": kind,
    }
    return ThroughputReport.objects.create(
        node=node,
        period_start=start,
        period_end=end,
        value=Decimal(value),
        qualifier=qualifier,
        **{**defaults, **values},
    )
