"""Issue 21 (8): every paginated list pages the same way, `?limit=` and `?offset=` with a
ceiling; the GeoJSON lists (nodes, vessels) too, as FeatureCollections with their envelope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(login_as):
    return login_as(APIClient(), "analyst")


def test_vessels_and_nodes_page_by_limit_and_offset(api):
    from django.contrib.gis.geos import Point

    from ais.models import Vessel, VesselLatest

    now = datetime.now(UTC)
    for i in range(12):
        vessel = Vessel.objects.create(mmsi=412100000 + i, name=f"V{i:02d}", first_seen_at=now)
        VesselLatest.objects.create(
            vessel=vessel, ts=now, geom=Point(108.5, 21.6, srid=4326), msg_type=1
        )
    five = api.get("/api/vessels/?limit=5").json()
    assert five["type"] == "FeatureCollection" and len(five["features"]) == 5
    assert five["count"] == 12 and "offset=5" in five["next"] and five["previous"] is None
    rest = api.get("/api/vessels/?limit=5&offset=10").json()
    assert [f["properties"]["mmsi"] for f in rest["features"]] == [412100010, 412100011]
    assert rest["next"] is None
    nodes = api.get("/api/nodes/?limit=3&offset=3").json()
    assert len(nodes["features"]) == 3 and nodes["count"] > 40
    first = api.get("/api/nodes/?limit=6").json()["features"][3:]
    assert [f["id"] for f in nodes["features"]] == [f["id"] for f in first]
    capped = api.get("/api/nodes/?limit=1000000").json()
    assert len(capped["features"]) == capped["count"]  # the ceiling (5,000) is above them
    assert api.get("/api/nodes/?offset=99999999999").status_code == 400
    assert api.get("/api/port-calls/?limit=2").json()["results"] == []  # the same params
