"""Tile basemaps a deployer may add under the bundled vector basemap: any XYZ source
(`CW_TILE_URL`) or Tianditu (天地图, `CW_TIANDITU_KEY`: the vector or image layer with its
Chinese annotation layer, in Web Mercator or the CGCS2000 tile matrix, from Tianditu or the
deployer's intranet mirror), and the map-approval number (审图号, `CW_MAP_APPROVAL`) every
map, report and PDF prints.

Datum guard: our data are WGS84. A source whose tiles are drawn in GCJ-02 or BD-09 (the
offset coordinates of most Chinese commercial maps) would put ships ~500 m on land; such a
source (`CW_TILE_DATUM=gcj02`) is refused: not drawn, a system check error and a log line
say why. CGCS2000 (Tianditu) agrees with WGS84 to centimetres and is accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings

log = logging.getLogger(__name__)
ACCEPTED_DATUMS = {"wgs84", "cgcs2000"}
OFFSET_DATUMS = {"gcj02", "bd09"}
TIANDITU_HOST = "https://t{s}.tianditu.gov.cn"
TIANDITU_LAYERS = {"vec": "cva", "img": "cia", "ter": "cta"}  # base -> Chinese annotation
TIANDITU_ATTRIBUTION = "天地图 © 国家地理信息公共服务平台"


@dataclass(frozen=True)
class TileSource:
    url: str  # Leaflet's template: {s}, {z}, {x}, {y}
    attribution: str
    datum: str = "wgs84"
    subdomains: str = "abc"
    zoom_offset: int = 0  # the CGCS2000 matrix starts a level later than Leaflet's EPSG4326
    crs: str = "EPSG3857"  # the map's CRS the tiles need (Leaflet's name)
    overlay: bool = False  # an annotation layer over the base one
    extra: dict[str, str] = field(default_factory=dict)


class RefusedSource(ValueError):
    """A tile source the map must not draw (its datum is an offset one)."""


def _tianditu() -> list[TileSource]:
    key = getattr(settings, "CW_TIANDITU_KEY", "")
    if not key:
        return []
    base = getattr(settings, "CW_TIANDITU_LAYER", "vec")
    matrix = getattr(settings, "CW_TIANDITU_MATRIX", "w")
    if base not in TIANDITU_LAYERS:
        raise RefusedSource(f"CW_TIANDITU_LAYER={base!r}: one of {sorted(TIANDITU_LAYERS)}")
    if matrix not in ("w", "c"):
        raise RefusedSource(f"CW_TIANDITU_MATRIX={matrix!r}: w (Web Mercator) or c (CGCS2000)")
    host = getattr(settings, "CW_TIANDITU_URL", "") or TIANDITU_HOST
    out = []
    for layer, overlay in ((base, False), (TIANDITU_LAYERS[base], True)):
        url = (
            f"{host.rstrip('/')}/{layer}_{matrix}/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET={matrix}"
            f"&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
        )
        out.append(
            TileSource(
                url,
                TIANDITU_ATTRIBUTION,
                datum="cgcs2000",
                subdomains="01234567",
                zoom_offset=1 if matrix == "c" else 0,
                crs="EPSG4326" if matrix == "c" else "EPSG3857",
                overlay=overlay,
            )
        )
    return out


def _configured() -> list[TileSource]:
    sources = _tianditu()
    url = getattr(settings, "CW_TILE_URL", "")
    if url:
        sources.append(
            TileSource(
                url,
                getattr(settings, "CW_TILE_ATTRIBUTION", ""),
                datum=str(getattr(settings, "CW_TILE_DATUM", "wgs84")).lower(),
            )
        )
    return sources


def problems() -> list[str]:
    """What is wrong with the configured tile sources (the system check shows it)."""
    try:
        return _problems_of(_configured())
    except RefusedSource as exc:
        return [str(exc)]


def _problems_of(sources: list[TileSource]) -> list[str]:
    out = []
    for s in sources:
        if s.datum in OFFSET_DATUMS:
            out.append(
                f"a tile source in {s.datum.upper()} is refused: its tiles are offset from "
                "WGS84 by hundreds of metres (ships would sit on land); use a WGS84 or "
                "CGCS2000 source (Tianditu)"
            )
        elif s.datum not in ACCEPTED_DATUMS:
            out.append(f"CW_TILE_DATUM={s.datum!r}: wgs84, cgcs2000 (or gcj02, refused)")
    if len({s.crs for s in sources}) > 1:
        out.append("tile sources in two tile matrices: one map draws one CRS")
    return out


def tile_sources() -> list[TileSource]:
    """The tile layers a map draws, bottom first (none: the bundled vector basemap only).
    A refused configuration draws none of them (said by `problems`)."""
    try:
        sources = _configured()
        found = _problems_of(sources)
    except RefusedSource as exc:
        found = [str(exc)]
    if found:
        log.error("tile basemap refused: %s", "; ".join(found))
        return []
    return sources


def map_crs() -> str:
    """The CRS the maps are drawn in: Web Mercator, or EPSG4326 for the CGCS2000 matrix."""
    sources = tile_sources()
    return sources[0].crs if sources else "EPSG3857"


def approval_text() -> str:
    """The map-approval number (审图号) to print on every map, report and PDF, with the
    tile source's attribution; empty when neither is set."""
    approval = getattr(settings, "CW_MAP_APPROVAL", "")
    parts = [f"审图号：{approval}"] if approval else []
    parts += list(dict.fromkeys(s.attribution for s in tile_sources() if s.attribution))
    return " · ".join(parts)
