"""Route geometry checked in PostGIS: sea legs stay off land, lengths are geodesic."""

from __future__ import annotations

import pytest
from django.db import connection

from corridors.models import Route, RouteSegment
from corridors.services.coverage import compute_route_coverage, route_neighbours
from geo.searouting import MAX_APPROACH_M

pytestmark = pytest.mark.django_db

# The part of a sea leg within MAX_APPROACH_M (50 km) of a port is its harbour approach:
# the 1:50m land mask covers estuaries and harbours (Ho Chi Minh City lies ~45 km up the
# Saigon river on it), so that stretch is not checked; everything else must be water.
LAND_HITS_SQL = """
    SELECT s.id, s.seq, r.code
    FROM corridors_routesegment s
    JOIN corridors_route r ON r.id = s.route_id
    JOIN geo_node a ON a.id = s.from_node_id
    JOIN geo_node b ON b.id = s.to_node_id
    WHERE s.mode = 'sea' AND EXISTS (
        SELECT 1 FROM geo_basemapfeature f JOIN geo_basemaplayer l ON l.id = f.layer_id
        WHERE l.name = 'land' AND ST_Intersects(f.geom, ST_Difference(
            s.geom,
            ST_Union(ST_Buffer(a.geom::geography, %(approach)s)::geometry,
                     ST_Buffer(b.geom::geography, %(approach)s)::geometry))))
"""


def land_hits() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(LAND_HITS_SQL, {"approach": MAX_APPROACH_M})
        return cursor.fetchall()


def test_sea_segments_do_not_cross_land():
    assert RouteSegment.objects.filter(mode="sea").count() >= 8
    assert land_hits() == []


def test_the_land_check_catches_a_straight_line():
    # The same check fails for a leg drawn straight from Qinzhou to Singapore (over
    # Vietnam's coast and the Malay peninsula), so the test above can fail.
    from django.contrib.gis.geos import LineString

    seg = RouteSegment.objects.get(route__code="SEA", seq=1)
    seg.geom = LineString([seg.geom.coords[0], seg.geom.coords[-1]], srid=4326)
    seg.save()
    assert [hit[2] for hit in land_hits()] == ["SEA"]


def test_modes_and_schematic_flags():
    segments = RouteSegment.objects.all()
    assert all(s.schematic for s in segments if s.mode in ("rail", "road"))
    assert not any(s.schematic for s in segments if s.mode == "sea")
    river = segments.filter(route__code="YZ", mode="river", schematic=False)
    assert river.count() >= 5  # the upper Yangtze legs follow the river line


def test_lengths_are_geodesic_metres():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, length_m, ST_Length(geom::geography, false) FROM corridors_routesegment"
        )
        for _, stored, spherical in cursor.fetchall():
            assert stored == pytest.approx(spherical, rel=2e-3)
    qz_sin = RouteSegment.objects.get(
        route__code="SEA", from_node__code="QZ_PORT", to_node__code="SIN"
    )
    # Qinzhou-Singapore is about 1,300 nautical miles (2,400 km) by sea.
    assert 2_200_000 < qz_sin.length_m < 2_700_000


def test_segments_start_and_end_at_their_nodes():
    segments = list(RouteSegment.objects.select_related("from_node", "to_node"))
    assert len(segments) >= 50  # the seed's segments (not an empty table passing)
    for s in segments:
        assert s.geom.coords[0] == pytest.approx(s.from_node.geom.coords)
        assert s.geom.coords[-1] == pytest.approx(s.to_node.geom.coords)


def test_route_membership_and_neighbours():
    east = Route.objects.get(code="E")
    members = set(east.members.values_list("code", flat=True))
    assert {"CQ_TJC", "HH", "LZH", "QZ_EAST", "QZ_PORT", "CQ_GY"} <= members
    adj = route_neighbours(east)
    assert adj["HH"] == {"CQ_TJC", "LZH"}
    assert "QZ_EAST" in adj["QZ_ACT"] and "QZ_ACT" in adj["QZ_EAST"]


def test_route_coverage_and_gaps():
    [east] = compute_route_coverage(Route.objects.filter(code="E"))
    assert 0 < east.score < 1
    assert east.score == pytest.approx(sum(east.nodes.values()) / len(east.nodes), abs=1e-4)
    gaps = {(g.node, g.category): g.offered_by for g in east.gaps}
    # Beihai lacks the terminal automation of Qinzhou Port East, its neighbour on the line.
    assert "QZ_EAST" in gaps[("BH_PORT", "terminal_automation")]
    # A gap needs a neighbour offering the service: Huaihua's only one is data exchange,
    # which Chongqing Tuanjiecun offers.
    assert {category for node, category in gaps if node == "HH"} == {"data_exchange"}
