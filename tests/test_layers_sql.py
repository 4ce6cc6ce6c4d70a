"""Issue 13: the node, fence, route and segment layers PostGIS writes equal, feature by
feature, what the serializers wrote for the same rows and the same query (filters,
pagination), coordinates to 1e-9 degree. The vessel layers: ais/tests/test_layers_sql.py."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from ais.tests.test_layers_sql import same
from corridors.api.views import RouteSegmentViewSet, RouteViewSet
from geo.api.views import GeofenceViewSet, NodeViewSet

pytestmark = pytest.mark.django_db
VIEWS = {
    "/api/nodes/": NodeViewSet,
    "/api/geofences/": GeofenceViewSet,
    "/api/routes/": RouteViewSet,
    "/api/route-segments/": RouteSegmentViewSet,
}


def both(client, monkeypatch, url: str) -> tuple[dict, dict]:
    """The answer written by PostGIS, then the serializers' (the layer switched off)."""
    view = VIEWS[url.split("?")[0]]
    cache.clear()
    database = client.get(url, HTTP_ACCEPT="application/json")
    assert database.status_code == 200, database.content
    with monkeypatch.context() as m:
        m.setattr(view, "layer_json", lambda self, request: None)
        cache.clear()
        serializer = client.get(url, HTTP_ACCEPT="application/json")
    assert serializer.status_code == 200
    return database.json(), serializer.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/nodes/",
        "/api/nodes/?limit=7&offset=7",
        "/api/nodes/?kind=sea_port&kind=dry_port",
        "/api/nodes/?route=E&bbox=100,15,115,35",
        "/api/nodes/?country=vn",
        "/api/geofences/",
        "/api/geofences/?all=1&kind=anchorage",
        "/api/geofences/?node=QZ_PORT",
        "/api/routes/",
        "/api/route-segments/",
        "/api/route-segments/?route=W&mode=rail",
    ],
)
def test_database_layers_equal_the_serializers(client, monkeypatch, url, login_as):
    login_as(client, "official")
    database, serializer = both(client, monkeypatch, url)
    assert len(serializer["features"]) > 0
    same(database, serializer, 1e-9)


def test_edits_and_odd_values_come_out_the_same(client, monkeypatch, login_as):
    """A fence edited (a past version with its end time, microseconds), a node with quotes,
    backslashes and Chinese in its texts, no group and no figures: still equal."""
    from django.utils import timezone

    from geo.models import Geofence, Node

    login_as(client, "official")
    node = Node.objects.get(code="QZ_PORT")
    node.name_en = 'Qinzhou "Port" \\ 钦州\n'
    node.coord_basis = ""
    node.save()
    fence = Geofence.objects.filter(node=node).first()
    fence.valid_to = timezone.now().replace(microsecond=123456)
    fence.save()
    for url in ("/api/nodes/?limit=100", "/api/geofences/?all=1"):
        database, serializer = both(client, monkeypatch, url)
        same(database, serializer, 1e-9)
    assert any(f["properties"]["valid_to"] for f in database["features"])
