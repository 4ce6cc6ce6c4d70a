"""The Qinzhou and Beihai fences contain the published anchorages (issue 7, point 18),
checked in PostGIS against data/gis/provenance/anchorages.csv."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point

from geo.models import Geofence

pytestmark = pytest.mark.django_db
PORT_OF = {"QZ_ANCH1": "QZ_PORT", "QZ_ANCH_TMP": "QZ_PORT", "BH_ANCH": "BH_PORT"}


def published() -> list[dict]:
    path = settings.CW_DATA_DIR / "provenance" / "anchorages.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def points(row: dict) -> list[Point]:
    """The published point, and for a box its four corners."""
    found = [Point(float(row["lon"]), float(row["lat"]), srid=4326)]
    if row["lon_min"]:
        lons, lats = (row["lon_min"], row["lon_max"]), (row["lat_min"], row["lat_max"])
        found += [Point(float(x), float(y), srid=4326) for x in lons for y in lats]
    return found


@pytest.mark.parametrize("row", published(), ids=lambda r: r["code"])
def test_published_anchorages_lie_in_an_anchorage_fence_and_the_port_limit(row):
    fences = Geofence.objects.current().filter(node__code=PORT_OF[row["code"]])
    for point in points(row):
        assert fences.filter(kind="anchorage", geom__covers=point).exists(), point
        assert fences.filter(kind="port_limit", geom__covers=point).exists(), point


def test_fence_bases_say_what_they_rest_on():
    fences = list(Geofence.objects.current().filter(node__code__in=["QZ_PORT", "BH_PORT"]))
    assert {f.kind for f in fences} >= {"anchorage", "port_limit"}  # not an empty set passing
    for fence in fences:
        if fence.kind == "anchorage" and "Tieshan" not in fence.name:
            assert "published" in fence.basis, fence.name
        if fence.kind == "port_limit" and "Tieshan" not in fence.name:
            assert fence.basis.startswith("Not the port's limit"), fence.name
        assert fence.approximate
