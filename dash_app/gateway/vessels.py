"""Vessels on the map: how many are live, a vessel's panel and its recent track."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ais.choices import ShipTypeGroup, ship_type_group
from ais.services import layers as ais_layers
from ais.services.vessels import find_vessel, search_vessels

from .common import parse_mmsi


def live_vessel_status(max_age_min: float = 60.0) -> tuple[int, datetime | None]:
    """How many vessels are live and the newest report's time."""
    return ais_layers.vessels_seen(max_age_min)


@dataclass(frozen=True)
class VesselDetail:
    """A vessel's static data and last report (speeds knots, angles degrees, metres)."""

    mmsi: int
    name: str
    imo: int | None
    callsign: str
    type: str
    type_code: int | None
    length_m: int | None
    beam_m: int | None
    draught_m: float | None
    destination: str
    ts: datetime | None
    sog_kn: float | None
    cog_deg: float | None
    heading_deg: int | None
    nav_status: int | None
    source: str


def vessel_detail(mmsi: Any, lang: str) -> VesselDetail | None:
    vessel = find_vessel(mmsi)
    if vessel is None:
        return None
    latest = getattr(vessel, "latest", None)
    group = ship_type_group(vessel.ship_type)
    return VesselDetail(
        mmsi=vessel.mmsi,
        name=vessel.name or str(vessel.mmsi),
        imo=vessel.imo,
        callsign=vessel.callsign,
        type=str(ShipTypeGroup(group).label),
        type_code=vessel.ship_type,
        length_m=vessel.length_m,
        beam_m=vessel.beam_m,
        draught_m=vessel.draught_m,
        destination=vessel.destination,
        ts=latest.ts if latest else None,
        sog_kn=latest.sog_kn if latest else None,
        cog_deg=latest.cog_deg if latest else None,
        heading_deg=latest.heading_deg if latest else None,
        nav_status=latest.nav_status if latest else None,
        source=latest.source if latest else "",
    )


def vessel_track_line(mmsi: Any, hours: float = 6.0) -> dict[str, Any] | None:
    """The last `hours` of a vessel's track (the LineString feature only)."""
    number = parse_mmsi(mmsi)
    if number is None:
        return None
    end = timezone.now()
    track = json.loads(ais_layers.track_json(number, end - timedelta(hours=hours), end))
    line = [f for f in track["features"] if f["geometry"]["type"] == "LineString"]
    return {"type": "FeatureCollection", "features": line}


def vessel_options(text: object) -> list[dict[str, str]]:
    """The vessel search's menu: name, MMSI, IMO (ais.services.vessels.search_vessels)."""
    return [
        {
            "label": f"{v.name or v.mmsi} · MMSI {v.mmsi}" + (f" · IMO {v.imo}" if v.imo else ""),
            "value": str(v.mmsi),
        }
        for v in search_vessels(text)
    ]


def vessel_position(mmsi: object) -> tuple[float, float] | None:
    """A vessel's last (lon, lat), None when unknown or never placed."""
    vessel = find_vessel(mmsi)
    latest = getattr(vessel, "latest", None) if vessel else None
    return (latest.geom.x, latest.geom.y) if latest is not None else None
