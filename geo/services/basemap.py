"""The offline vector basemap: Natural Earth layers loaded from data/gis/basemap, which
layers a map draws and how (the dashboard, the HTML report and the PDF alike).

The corridor's wide box (lon 60-150, lat -15-56) at 1:50m lies over the world at 1:110m, so
no land shows as sea at any scale. The political layers follow China's point of view (built
from Natural Earth by `scripts/pov_basemap.py`): the eastern-sector claim line as the
China-India boundary, Taiwan part of China, the maritime line in the South China Sea, the
island groups and countries under their standard names (zh-Hans in the Chinese interface).
`CW_POLITICAL_LAYERS=none` draws no political layer at all.
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
from core.names import name_in

from ..models import BasemapFeature, BasemapLayer

BASEMAP_FILES = {
    "world_land": "world_land_110m.geojson",
    "land": "land.geojson",
    "lakes": "lakes.geojson",
    "rivers": "rivers.geojson",
    "coastline": "coastline.geojson",
    "country_borders": "borders_chn.geojson",
    "countries": "countries_chn.geojson",
    "maritime_line": "maritime_chn.geojson",
    "labels": "labels_chn.geojson",
}
BASEMAP_SOURCE = (
    "Natural Earth (public domain) via martynafford/natural-earth-geojson (CC0 1.0), "
    "commit 0b9a6ce; lon 60-150, lat -15-56 at 1:50m, the world at 1:110m"
)
POV_SOURCE = (
    "China's point of view, built by scripts/pov_basemap.py from Natural Earth (public "
    "domain): de facto 1:50m boundaries, the 1:50m eastern-sector claim line, the 1:10m "
    "China point-of-view maritime indicator; standard names (data/gis/basemap/sources)"
)
# Drawn in this order, bottom first; their styles as Leaflet takes them (the PDF reads the
# same colours).
STYLES: dict[str, dict[str, Any]] = {
    "world_land": {"color": "#c9c2ae", "weight": 0.4, "fillColor": "#f4f1e8", "fillOpacity": 1},
    "land": {"color": "#c9c2ae", "weight": 0.6, "fillColor": "#f4f1e8", "fillOpacity": 1},
    "lakes": {"color": "#9cc3dc", "weight": 0.5, "fillColor": "#cfe3f0", "fillOpacity": 1},
    "rivers": {"color": "#8fbcd8", "weight": 1.2},
    "country_borders": {"color": "#7d6b87", "weight": 1.2, "dashArray": "6 2 1 2"},
    "maritime_line": {"color": "#7d6b87", "weight": 2.2},
    "labels": {"color": "#5f5a66"},  # text only: country names, islands in italics
}
# Place names' colours: countries, and islands (in italics); the dashboard's copy is in
# dash_app/assets/corridor.css (.cw-basemap-label).
LABEL_COLOURS = {"country": STYLES["labels"]["color"], "island": "#4a6378"}
SEA_COLOUR = "#d6e6f2"
# The political layers; `countries` (polygons) is data for exports and checks, not drawn.
POLITICAL = ("country_borders", "maritime_line", "labels", "countries")
POLITICAL_CHOICES = ("china", "none")


def political_setting() -> str:
    return str(getattr(settings, "CW_POLITICAL_LAYERS", "china")).strip().lower()


def political_problems() -> list[str]:
    """What is wrong with CW_POLITICAL_LAYERS (the system check shows it)."""
    value = political_setting()
    if value not in POLITICAL_CHOICES:
        return [
            f"CW_POLITICAL_LAYERS={value!r}: china (boundaries, the maritime line and names "
            "from China's point of view) or none (no political layer)"
        ]
    return []


def political_shown() -> bool:
    """Whether maps draw the political layers (China's point of view): by default; never
    when the setting is `none` or unknown (an unknown value draws nothing political and
    the system check names it)."""
    return political_setting() == "china"


def shown_layers() -> list[str]:
    """The basemap layers a map draws, bottom first: physical ones always, the political
    ones (China's point of view) unless `CW_POLITICAL_LAYERS=none`."""
    political = political_shown()
    return [name for name in STYLES if political or name not in POLITICAL]


def label_text(properties: dict[str, Any], language: str) -> str:
    """A basemap feature's name in a language: the standard Chinese name in zh-Hans."""
    return name_in(
        language, str(properties.get("name") or ""), str(properties.get("name_zh") or "")
    )


def layer_geojson(name: str) -> str | None:
    """A loaded layer as a GeoJSON FeatureCollection's text (4 decimals), None when it is
    not loaded."""
    layer = BasemapLayer.objects.filter(name=name).first()
    if layer is None:
        return None
    rows = layer.features.annotate(gj=AsGeoJSON("geom", precision=4)).values_list(
        "name", "name_zh", "kind", "gj"
    )
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(
            '{"type":"Feature","properties":'
            + json.dumps(
                {"name": n, **({"name_zh": z} if z else {}), **({"kind": k} if k else {})},
                ensure_ascii=False,
            )
            + f',"geometry":{g}}}'
            for n, z, k, g in rows
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
                name_zh=str(f.properties.get("name_zh") or ""),
                kind=str(f.properties.get("kind") or ""),
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
        source = POV_SOURCE if layer_name in POLITICAL else BASEMAP_SOURCE
        layer.checksum, layer.feature_count, layer.source = checksum, len(features), source
        layer.save()
    return counts
