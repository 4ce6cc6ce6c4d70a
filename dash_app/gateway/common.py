"""What every page shares: names and colours, the URLs the browser fetches layers from, the
period slider's months, a throughput total as pages show it. No data is read here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from ais.choices import NAV_STATUS, ShipTypeGroup
from core import mmsi as mmsi_rules
from core import names, periods
from corridors import choices as corridor_choices
from geo.services import basemap, tiles
from geo.services.coverage import coverage_hex
from ports.choices import QUALIFIER_SIGNS as QUALIFIER_SIGNS
from ports.services import totals as throughput_totals

TYPE_COLOURS = {
    "cargo": "#2b8a3e",
    "tanker": "#c92a2a",
    "passenger": "#1864ab",
    "fishing": "#e67700",
    "tug": "#5f3dc4",
    "high_speed": "#0b7285",
    "pleasure": "#d6336c",
    "other": "#495057",
    "unknown": "#adb5bd",
}
MODE_COLOURS = corridor_choices.MODE_COLOURS
# Digital-service coverage colours (score 0..1), shared by the map markers and the legend.
NO_EVIDENCE_COLOUR = "#9aa5b1"
# Drawn last (on top) where nodes share a place: ports over terminals over cities.
KIND_Z = {
    "sea_port": 600,
    "river_port": 500,
    "border_crossing_rail": 450,
    "border_crossing_road": 450,
    "sea_terminal": 400,
    "rail_terminal": 300,
    "dry_port": 250,
    "rail_junction": 200,
    "logistics_hub": 100,
}
MAX_MMSI = mmsi_rules.MAX_MMSI
# A page waits this long for the same user's other run of a guarded figure (another tab)
# before it says so; the API answers 429 at once.
GUARD_WAIT_S = 25
FIRST_MONTH = (2017, 1)  # the corridor's first sea-rail trains ran in 2017

month_index = periods.month_index
month_bounds = periods.month_bounds
parse_mmsi = mmsi_rules.parse_mmsi  # a map click's MMSI, by the one rule (core.mmsi)


def localized(obj: Any, lang: str) -> str:
    return names.localized(obj, lang)


def coverage_colour(score: float) -> str:
    """The map's colour of a coverage score (the one scale, geo.services.coverage), as CSS."""
    return coverage_hex(score)


def ship_type_label(group: str) -> str:
    """The name of a ship type group (see TYPE_COLOURS), in the active language."""
    return str(ShipTypeGroup(group).label)


def nav_status_label(code: int | None) -> str | None:
    """The AIS navigation status in words (None when not reported or unknown)."""
    label = NAV_STATUS.get(code) if code is not None else None
    return str(label) if label else None


def basemap_urls() -> dict[str, str]:
    """Where the map fetches each basemap layer it draws, bottom first (geo.services.basemap:
    the physical layers; the political ones only where the deployer allows)."""
    return {name: reverse("basemap-layer", args=[name]) for name in basemap.shown_layers()}


BASEMAP_STYLES = basemap.STYLES


def segments_url(route: str | None = None) -> str:
    url = reverse("route-segment-list")
    return f"{url}?route={route}" if route else url


def tile_layers() -> list[tiles.TileSource]:
    """The tile layers drawn under the vector basemap, bottom first (none by default; a
    refused source: none, geo.services.tiles)."""
    return tiles.tile_sources()


def map_crs() -> str:
    """The maps' CRS (Leaflet's name): EPSG4326 under Tianditu's CGCS2000 matrix."""
    return tiles.map_crs()


def map_approval() -> str:
    """The map-approval number (审图号) and the tiles' attribution, printed on the map."""
    return tiles.approval_text()


def fences_url(node: str | None = None) -> str:
    """Every current port limit, berth area and anchorage (the map's fence layer), or one
    port's."""
    url = reverse("geofence-list")
    return f"{url}?node={node}" if node else url


DENSITY_DAYS = 7  # the window of the density tiles (the OGC API's longest for positions)


def density_layer(dates: tuple[date, date]) -> dict[str, Any]:
    """The traffic-density overlay's data: one feature carrying the address of the
    positions' vector tiles over the period's last week (to today at the latest) and the
    drawing library's, for `corridorMap.densityLayer`."""
    end = min(datetime.combine(dates[1] + timedelta(days=1), time(), UTC), timezone.now()).replace(
        microsecond=0
    )
    start = end - timedelta(days=DENSITY_DAYS)
    window = f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}"
    path = reverse("ogc-tileset", args=["positions"]) + "/{z}/{y}/{x}"
    tiles_url = f"{path}?{urlencode({'datetime': window})}"
    properties = {
        "tiles": tiles_url,
        "script": static("vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
        "from": start.date().isoformat(),
        "to": end.date().isoformat(),
        "busiest": 2000,
    }
    point = {"type": "Point", "coordinates": [108.6, 21.7]}
    feature = {"type": "Feature", "geometry": point, "properties": properties}
    return {"type": "FeatureCollection", "features": [feature]}


def live_vessels_url(tick: int = 0) -> str:
    """Where the map fetches the live vessel layer (`t` makes each refresh a new URL)."""
    return reverse("ais-live") + f"?t={int(tick)}"


def parse_id(value: Any) -> int | None:
    """A row id a browser sent (a positive whole number), None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.isdigit() and len(value) <= 12:
        n = int(value)
    else:
        return None
    return n if 0 < n < 2**62 else None


def month_range() -> tuple[int, int]:
    return month_index(date(*FIRST_MONTH, 1)), month_index(timezone.now().date())


@dataclass(frozen=True)
class TotalView:
    """A throughput total as pages show it: `value` with its qualifier sign, what it
    covers, partial or not, or the group whose figure counts the node."""

    value: str
    number: float | None
    covers: str
    partial: bool
    covered_by: str | None


def total_view(figure: throughput_totals.Total) -> TotalView:
    number = figure.number
    value = "—" if number is None else QUALIFIER_SIGNS.get(figure.qualifier, "") + f"{number:,.0f}"
    return TotalView(value, number, figure.covers_text(), figure.partial, figure.covered_by)
