"""The REST API over real HTTP semantics (DRF test client) on the seed data."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from corridors.models import Route
from geo.models import BasemapFeature
from tests.support import data_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(login_as):

    return login_as(APIClient(), "analyst")


def codes(features) -> set[str]:
    return {f["id"] for f in features}


def test_nodes_are_a_geojson_feature_collection(api):
    # A fixed number, whatever the number of nodes: coverage (with the evidence) and the
    # latest TEU are computed for all nodes at once.
    with CaptureQueriesContext(connection) as captured:
        body = api.get("/api/nodes/").json()
    assert len(data_queries(captured)) <= 13, data_queries(captured)
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) >= 51
    qz = next(f for f in body["features"] if f["id"] == "QZ_PORT")
    assert qz["geometry"] == {"type": "Point", "coordinates": [108.58, 21.73]}
    props = qz["properties"]
    assert props["coverage_score"] == pytest.approx(4.5 / 12, abs=1e-4)
    # Qinzhou has no figure of its own: Beibu Gulf Port's total counts it, and is never
    # attributed to it (an analyst summing the three ports would get three times the truth).
    assert props["latest_teu"] is None and props["teu_covered_by"] == "BBG"
    bbg = next(f for f in body["features"] if f["id"] == "BBG")["properties"]
    assert (bbg["latest_teu"], bbg["latest_teu_year"]) == (10_000_000.0, 2025)
    assert bbg["latest_teu_qualifier"] == ">=" and bbg["teu_covered_by"] is None


def test_nodes_filter_by_kind_bbox_and_route(api):
    kind = api.get("/api/nodes/", {"kind": "border_crossing_road"}).json()["features"]
    assert codes(kind) == {"YYG", "DX"}
    bbox = api.get("/api/nodes/", {"bbox": "108.0,21.3,109.3,22.0"}).json()["features"]
    assert {"QZ_PORT", "BH_PORT", "FCG_PORT"} <= codes(bbox) and "NN" not in codes(bbox)
    route = api.get("/api/nodes/", {"route": "LA-RAIL"}).json()["features"]
    assert {"KM", "MH", "BOTEN", "VTE", "CQ_XNY"} <= codes(route) and "PX" not in codes(route)
    assert api.get("/api/nodes/", {"kind": "airport"}).status_code == 400


def test_node_detail_lists_services_and_routes(api):
    body = api.get("/api/nodes/QZ_PORT/").json()
    services = {s["category"]: s["level"] for s in body["properties"]["services"]}
    assert services["terminal_automation"] == "full"
    assert services["smart_gate"] == "partial"
    assert {"E", "M", "W", "SEA"} <= set(body["properties"]["routes"])
    assert api.get("/api/nodes/NOPE/").status_code == 404


def test_routes_with_ordered_segments(api):
    with CaptureQueriesContext(connection) as captured:
        routes = api.get("/api/routes/").json()
    assert len(data_queries(captured)) <= 6, data_queries(captured)
    assert routes["type"] == "FeatureCollection"
    assert len(routes["features"]) == Route.objects.count() >= 10
    east = next(r for r in routes["features"] if r["id"] == "E")
    assert east["geometry"]["type"] == "MultiLineString"
    segs = east["properties"]["segments"]
    assert [s["seq"] for s in segs] == sorted(s["seq"] for s in segs)
    assert (segs[0]["from_node"], segs[0]["to_node"]) == ("CQ_TJC", "HH")
    assert segs[0]["geometry"]["type"] == "LineString" and segs[0]["schematic"] is True


def test_route_segments_layer_filters(api):
    sea = api.get("/api/route-segments/", {"mode": "sea"}).json()["features"]
    assert len(sea) >= 8 and all(f["properties"]["mode"] == "sea" for f in sea)
    assert all(not f["properties"]["schematic"] for f in sea)


def test_coverage_per_node_and_route(api):
    body = api.get("/api/coverage/", {"route": "E"}).json()
    [east] = body["routes"]
    assert east["code"] == "E" and 0 < east["score"] < 1
    assert any(
        g["node"] == "BH_PORT" and g["category"] == "terminal_automation" for g in east["gaps"]
    )
    assert {n["code"] for n in body["nodes"]} == set(east["nodes"])
    assert api.get("/api/coverage/", {"route": "ZZ"}).status_code == 400
    assert api.get("/api/coverage/", {"as_of": "yesterday"}).status_code == 400
    past = api.get("/api/coverage/", {"as_of": "2000-01-01T00:00:00Z"}).json()
    assert all(n["score"] == 0 for n in past["nodes"])


def test_throughput_filters(api):
    body = api.get("/api/throughput/", {"node": "BBG", "metric": "teu", "year": 2021}).json()
    [row] = body["results"]
    assert (row["value"], row["source"], row["period_kind"]) == ("6010000.00", "published", "year")
    assert row["source_url"].startswith("http")
    tonnes = api.get("/api/throughput/", {"node": "BBG", "metric": "tonnes", "year": 2021})
    entities = {r["reporting_entity"] for r in tonnes.json()["results"]}
    assert len(entities) == 2  # whole port and listed company are kept apart


def test_throughput_writes_need_the_reporting_permission(api, login_as):
    """An analyst (logged in, so not refused for want of a login) may not report; an
    operator may, and an empty batch is a 400 naming the field; PUT is no method here."""

    assert api.post("/api/throughput/", {}, format="json").status_code == 403
    operator = login_as(APIClient(), "operator")
    empty = operator.post("/api/throughput/", {"figures": []}, format="json")
    assert empty.status_code == 400 and "figures" in empty.json()
    assert operator.put("/api/throughput/1/", {}, format="json").status_code == 405


def test_basemap_layer_and_etag(api):
    response = api.get("/api/basemap/land/")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    stored = BasemapFeature.objects.filter(layer__name="land").count()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == stored > 100
    again = api.get("/api/basemap/land/", HTTP_IF_NONE_MATCH=f'W/{response["ETag"]}, "x"')
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    assert again["Last-Modified"] == response["Last-Modified"].strip() != ""
    assert api.get("/api/basemap/oceans/").status_code == 404


def test_schema_ui_is_served_from_local_static(api):
    html = api.get("/api/schema/swagger/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    # nothing from another host (a bare "cdn" can occur in the page's random CSRF token)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"cdn\.|jsdelivr|unpkg", html.lower())
