"""The offline vector basemap: Natural Earth layers loaded from data/gis/basemap."""

from __future__ import annotations

from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry

from core.imports import ImportCounts, file_sha256
from core.ingest.geojson import read_features

from ..models import BasemapFeature, BasemapLayer

BASEMAP_FILES = {
    "land": "land.geojson",
    "lakes": "lakes.geojson",
    "rivers": "rivers.geojson",
    "coastline": "coastline.geojson",
    "country_borders": "country_borders.geojson",
    "countries": "countries_110m.geojson",
}
BASEMAP_SOURCE = (
    "Natural Earth (public domain) via martynafford/natural-earth-geojson (CC0 1.0), "
    "commit 0b9a6ce; clipped to lon 90-125, lat -2-42"
)


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
