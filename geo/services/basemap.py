"""The offline vector basemap: Natural Earth layers loaded from data/gis/basemap, which
layers a map draws and how (the dashboard, the HTML report and the PDF alike).

The corridor's wide box (lon 60-150, lat -15-56) at 1:50m lies over the world at 1:110m, so
no land shows as sea at any scale. The country boundaries are political and follow Natural
Earth's de facto worldview, not China's: drawn only where `CW_POLITICAL_BOUNDARIES` is set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import GEOSGeometry

from core.imports import ImportCounts, file_sha256
from core.ingest.geojson import read_features

from ..models import BasemapFeature, BasemapLayer

BASEMAP_FILES = {
    "world_land": "world_land_110m.geojson",
    "land": "land.geojson",
    "lakes": "lakes.geojson",
    "rivers": "rivers.geojson",
    "coastline": "coastline.geojson",
    "country_borders": "country_borders.geojson",
    "countries": "countries_110m.geojson",
}
BASEMAP_SOURCE = (
    "Natural Earth (public domain) via martynafford/natural-earth-geojson (CC0 1.0), "
    "commit 0b9a6ce; lon 60-150, lat -15-56 at 1:50m, the world at 1:110m"
)
# Drawn in this order, bottom first; their styles as Leaflet takes them (the PDF reads the
# same colours).
STYLES: dict[str, dict[str, Any]] = {
    "world_land": {"color": "#c9c2ae", "weight": 0.4, "fillColor": "#f4f1e8", "fillOpacity": 1},
    "land": {"color": "#c9c2ae", "weight": 0.6, "fillColor": "#f4f1e8", "fillOpacity": 1},
    "lakes": {"color": "#9cc3dc", "weight": 0.5, "fillColor": "#cfe3f0", "fillOpacity": 1},
    "rivers": {"color": "#8fbcd8", "weight": 1.2},
    "country_borders": {"color": "#8a8a8a", "weight": 1, "dashArray": "4 3"},
}
SEA_COLOUR = "#d6e6f2"
POLITICAL = ("country_borders", "countries")


def shown_layers() -> list[str]:
    """The basemap layers a map draws, bottom first: physical ones always, the political
    ones only where `CW_POLITICAL_BOUNDARIES` is set."""
    political = bool(getattr(settings, "CW_POLITICAL_BOUNDARIES", False))
    return [name for name in STYLES if political or name not in POLITICAL]


def layer_geojson(name: str) -> str | None:
    """A loaded layer as a GeoJSON FeatureCollection's text (4 decimals), None when it is
    not loaded."""
    layer = BasemapLayer.objects.filter(name=name).first()
    if layer is None:
        return None
    rows = layer.features.annotate(gj=AsGeoJSON("geom", precision=4)).values_list("name", "gj")
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(
            f'{{"type":"Feature","properties":{json.dumps({"name": n})},"geometry":{g}}}'
            for n, g in rows
        )
        + "]}"
    )


def find_layer(name: str) -> BasemapLayer | None:
    return BasemapLayer.objects.filter(name=name).first()


def import_basemap(data_dir: Path) -> ImportCounts:
    """Load the offline basemap layers; a layer whose file is unchanged is skipped."""
    counts = ImportCounts()
    for layer_name, file_name in BASEMAP_FILES.items():
        path = data_dir / "basemap" / file_name
        checksum = file_sha256(path)
        layer = BasemapLayer.objects.filter(name=layer_name).first()
        if layer and layer.checksum == checksum:
            counts.unchanged += 1
            continue
        features = [
            BasemapFeature(
                name=str(
                    f.properties.get("name_en")
                    or f.properties.get("name")
                    or f.properties.get("NAME")
                    or ""
                ),
                geom=GEOSGeometry(memoryview(f.geom.wkb), srid=4326),
            )
            for f in read_features(path)
        ]
        if layer is None:
            layer = BasemapLayer.objects.create(name=layer_name, checksum=checksum)
            counts.created += 1
        else:
            layer.features.all().delete()
            counts.updated += 1
        for feature in features:
            feature.layer = layer
        BasemapFeature.objects.bulk_create(features, batch_size=500)
        layer.checksum, layer.feature_count, layer.source = checksum, len(features), BASEMAP_SOURCE
        layer.save()
    return counts
