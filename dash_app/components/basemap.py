"""The basemap every dashboard map draws, bottom first: the deployer's tile layers (none by
default), then the bundled vector layers (geo.services.basemap: physical ones, and the
political ones from China's point of view unless the deployer turns them off)."""

from __future__ import annotations

import dash_leaflet as dl

from dash_app import gateway


def basemap_layers(prefix: str) -> list:
    """The basemap's Leaflet layers; ids `<prefix>-basemap-<layer>`."""
    style = gateway.BASEMAP_STYLES
    layers: list = [
        dl.TileLayer(
            url=tile.url,
            attribution=tile.attribution,
            subdomains=tile.subdomains,
            zoomOffset=tile.zoom_offset,
        )
        for tile in gateway.tile_layers()
    ]
    for name, url in gateway.basemap_urls().items():
        extra = {}
        if name == "labels":  # names as text, in the page's language (corridor_map.js)
            extra = {"pointToLayer": {"variable": "corridorMap.basemapLabel"}}
        layers.append(
            dl.GeoJSON(
                id=f"{prefix}-basemap-{name}",
                url=url,
                style=style[name],
                interactive=False,
                **extra,
            )
        )
    return layers
