"""Feeding the rail simulator from the database: leg lengths of the corridor's rail
segments, and the container ships' calls the AIS side has seen (or simulated)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from ais.choices import container_ships, is_container_ship
from ais.demo.simulator import CallTruth, Ship
from corridors.models import RouteSegment
from portcalls.models import PortCall

from ..demo.simulator import VesselCall


def rail_lengths() -> dict[tuple[str, str], float]:
    """Geodesic length (m) of each rail leg, by (from code, to code)."""
    return {
        (s.from_node.code, s.to_node.code): s.length_m
        for s in RouteSegment.objects.filter(mode="rail").select_related("from_node", "to_node")
    }


_container_ship = is_container_ship


def calls_from_plan(ships: Iterable[Ship], calls: Iterable[CallTruth]) -> list[VesselCall]:
    """Container ships' calls of the AIS simulator's ground truth."""
    boxes = {s.mmsi for s in ships if _container_ship(s.ship_type, s.length_m)}
    return [
        VesselCall(c.mmsi, c.port, c.berth_start_s, c.berth_end_s, c.departure_s)
        for c in calls
        if c.mmsi in boxes
    ]


def calls_from_db(start: datetime, end: datetime) -> list[VesselCall]:
    """Container ships' calls detected from AIS between start and end (a call still in
    port counts as leaving a day after it berthed)."""
    out = []
    rows = (
        PortCall.objects.filter(
            arrival_at__lt=end,
            arrival_at__gte=start - timedelta(days=3),
        )
        .filter(container_ships("vessel__"))
        .select_related("node")
    )
    for c in rows:
        berth_start = c.berth_start_at or c.arrival_at
        departure = c.departure_at or berth_start + timedelta(days=1)
        berth_end = c.berth_end_at or departure
        out.append(
            VesselCall(
                c.vessel_id,
                c.node.code,
                berth_start.timestamp(),
                berth_end.timestamp(),
                departure.timestamp(),
            )
        )
    return out


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
