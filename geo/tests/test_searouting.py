"""Sea routing on a synthetic coast (no database): paths stay on water."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, box

from geo.searouting import NoSeaRoute, SeaRouter, crosses_land, haversine_m


@pytest.fixture(scope="module")
def router():
    # A peninsula from the north coast down to lat 4, leaving a channel south of it, and a
    # landlocked lake in the east.
    land = (
        box(0, 8, 12, 10)
        .union(box(5, 4, 6, 10))
        .union(box(9, 1, 11, 3).difference(box(9.8, 1.8, 10.2, 2.2)))
    )
    return SeaRouter(
        land, bounds=(0, 0, 12, 10), cell_deg=0.05, clearance_deg=0.02, sea_seed=(1, 1)
    )


def test_route_goes_round_the_peninsula(router):
    leg = router.route((2.0, 6.0), (9.0, 6.0))
    assert not LineString(leg.coords).intersects(router.land)
    assert min(y for _, y in leg.coords) < 4.0  # it had to pass south of the peninsula
    straight = haversine_m(2, 6, 9, 6)
    assert straight < leg.length_m < straight * 1.5
    assert leg.coords[0] == (2.0, 6.0) and leg.coords[-1] == (9.0, 6.0)


def test_enclosed_water_is_not_navigable(router):
    with pytest.raises(NoSeaRoute):
        router.route((2.0, 6.0), (10.0, 2.0))


def test_crosses_land_checks_beyond_the_harbour_approach(router):
    through = [(2.0, 6.0), (9.0, 6.0)]
    assert crosses_land(through, router.land, exempt_m=10_000)
    leg = router.route((2.0, 6.0), (9.0, 6.0))
    assert not crosses_land(list(leg.coords), router.land, exempt_m=10_000)


def test_haversine_against_known_distance():
    # One degree of latitude is 111.2 km on the mean-radius sphere.
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-3)
