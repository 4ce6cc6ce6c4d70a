"""Issue 13: layers that change rarely carry an ETag and Last-Modified, answer 304 while
nothing they show has changed, are kept rendered per version, and are never stale after an
edit by any path (API, ORM, SQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geo.models import DigitalServiceCategory, Node, NodeService
from ports.models import ThroughputReport
from tests.support import data_queries

pytestmark = pytest.mark.django_db

LAYERS = [
    "/api/nodes/",
    "/api/nodes/?route=E",
    "/api/routes/",
    "/api/route-segments/",
    "/api/geofences/",
    "/api/coverage/",
    "/api/service-categories/",
]


@pytest.fixture
def official(login_as):
    return login_as(Client(), "official")


@pytest.mark.parametrize("url", LAYERS)
def test_a_layer_answers_304_while_unchanged(official, url):
    first = official.get(url)
    assert first.status_code == 200, first.content[:300]
    etag = first["ETag"]
    assert first["Last-Modified"].endswith("GMT") and "no-cache" in first["Cache-Control"]
    again = official.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    other = official.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and other.content == first.content


def test_the_cached_layer_skips_the_serializer(official):
    official.get("/api/nodes/")
    with CaptureQueriesContext(connection) as cold:
        official.get("/api/nodes/?limit=100")
    with CaptureQueriesContext(connection) as warm:
        official.get("/api/nodes/?limit=100")
    # Warm: the session, the user and the table versions; cold reads the layer itself
    # (the role's right to read and the audit's row come on top of both: not counted).
    assert len(data_queries(warm)) <= 4 < len(data_queries(cold)), data_queries(warm)


def test_no_stale_node_layer_after_an_edit_by_any_path(official):
    first = official.get("/api/nodes/?limit=100")
    etag = first["ETag"]
    Node.objects.filter(code="QZ_PORT").update(name_en="Qinzhou renamed")  # the ORM
    after = official.get("/api/nodes/?limit=100", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and "Qinzhou renamed" in after.content.decode()
    with connection.cursor() as cursor:  # plain SQL
        cursor.execute("UPDATE geo_node SET name_en = 'By SQL' WHERE code = 'BH_PORT'")
    third = official.get("/api/nodes/?limit=100", HTTP_IF_NONE_MATCH=after["ETag"])
    assert third.status_code == 200 and "By SQL" in third.content.decode()


def test_figures_and_services_move_the_nodes_and_coverage_layers(official):
    nodes = official.get("/api/nodes/?limit=100")["ETag"]
    coverage = official.get("/api/coverage/")["ETag"]
    ThroughputReport.objects.create(
        node=Node.objects.get(code="QZ_PORT"),
        period_kind="year",
        period_start=date(2000, 1, 1),
        period_end=date(2000, 12, 31),
        metric="teu",
        unit="teu",
        value=Decimal(1),
        source="operator",
        status="approved",
        official=True,
        current=True,
    )
    assert official.get("/api/nodes/?limit=100", HTTP_IF_NONE_MATCH=nodes).status_code == 200
    assert official.get("/api/coverage/", HTTP_IF_NONE_MATCH=coverage).status_code == 304
    NodeService.objects.create(
        node=Node.objects.get(code="BH_PORT"),
        category=DigitalServiceCategory.objects.get(code="single_window"),
        level="full",
        valid_from=timezone.now(),
    )
    changed = official.get("/api/coverage/", HTTP_IF_NONE_MATCH=coverage)
    assert changed.status_code == 200


def test_a_fence_edit_through_the_api_is_seen_at_once(official):
    fences = official.get("/api/geofences/?node=QZ_PORT")
    fence = fences.json()["features"][0]
    edited = official.patch(
        f"/api/geofences/{fence['properties']['id']}/",
        {"name": "Renamed anchorage"},
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.content
    after = official.get("/api/geofences/?node=QZ_PORT", HTTP_IF_NONE_MATCH=fences["ETag"])
    assert after.status_code == 200 and "Renamed anchorage" in after.content.decode()


def test_the_etag_names_the_query_and_the_language(official):
    plain = official.get("/api/nodes/")["ETag"]
    assert official.get("/api/nodes/?route=E")["ETag"] != plain
    assert official.get("/api/nodes/", HTTP_ACCEPT_LANGUAGE="zh-hans")["ETag"] != plain


def test_anonymous_and_bad_parameters_are_not_cached_answers(login_as):
    client = Client()
    assert client.get("/api/nodes/").status_code == 401
    official = login_as(Client(), "official")
    assert official.get("/api/coverage/?route=NOPE").status_code == 400
    assert official.get("/api/coverage/?as_of=yesterday").status_code == 400
