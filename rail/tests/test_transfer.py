"""Sea-rail transfer time at Qinzhou, exact (container numbers) and estimated, by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from geo.models import Node
from rail.ingest.events import container_number, parse_objects
from rail.services.ingest import store_events
from rail.services.transfer import port_transfer, transfers
from tests.factories import make_call, make_vessel

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, tzinfo=UTC)
C1, C2 = container_number("CXDU", 501), container_number("TGHU", 502)


def bj(d, hh):
    return datetime(2026, 11, d, hh, tzinfo=UTC) - timedelta(hours=8)


def send(*events):
    parsed, refused = parse_objects(events, NOW)
    result = store_events([*parsed, *refused])
    assert result.refused == []


def train(no, **e):
    return {
        "train": no,
        "service_date": "2026-11-02",
        "route": "E",
        "service_type": "sea_rail",
        "classifier": "actual",
        **e,
    }


@pytest.fixture
def qinzhou_week():
    qz = Node.objects.get(code="QZ_PORT")
    ship = make_vessel(ship_type=70, length_m=200)
    make_call(
        qz, ship, bj(4, 6), berth_start_at=bj(4, 7), berth_end_at=bj(4, 19), departure_at=bj(4, 20)
    )
    send(
        # Rail-to-sea, exact: C1 arrives by train at 12:00 on the 3rd, gates in at 15:00, is
        # loaded on the ship that leaves at 20:00 on the 4th: 29 h.
        train(
            "X9S1",
            origin="CQ_TJC",
            destination="QZ_EAST",
            location="QZ_EAST",
            event="arrival",
            actual=bj(3, 12).isoformat(),
            booked=bj(3, 12).isoformat(),
            containers=[C1],
        ),
        {"container": C1, "event": "gate_in", "location": "QZ_PORT", "at": bj(3, 15).isoformat()},
        {
            "container": C1,
            "event": "load",
            "location": "QZ_PORT",
            "at": bj(4, 10).isoformat(),
            "vessel_mmsi": ship.mmsi,
        },
        # Sea-to-rail, exact: C2 discharged at 09:00 on the 4th, leaves by train 09:00 on the
        # 5th: 24 h.
        {
            "container": C2,
            "event": "discharge",
            "location": "QZ_PORT",
            "at": bj(4, 9).isoformat(),
            "vessel_mmsi": ship.mmsi,
        },
        train(
            "X9N1",
            origin="QZ_EAST",
            destination="CQ_TJC",
            location="QZ_EAST",
            event="departure",
            actual=bj(5, 9).isoformat(),
            booked=bj(5, 9).isoformat(),
            containers=[C2],
        ),
        # Rail-to-sea, estimated: a train without container numbers arrives at 00:00 on the
        # 3rd; the next container ship leaving 6 h or more later is the same one: 44 h.
        train(
            "X9S2",
            origin="CQ_TJC",
            destination="QZ_EAST",
            location="QZ_EAST",
            event="arrival",
            actual=bj(3, 0).isoformat(),
            booked=bj(3, 0).isoformat(),
        ),
    )
    return qz


def test_exact_and_estimated_transfers_by_hand(qinzhou_week):
    items, excluded = transfers(qinzhou_week, bj(2, 0), bj(9, 0))
    got = sorted((t.direction, t.exact, round(t.hours, 2)) for t in items)
    assert got == [
        ("rail_to_sea", False, 44.0),
        ("rail_to_sea", True, 29.0),
        ("sea_to_rail", True, 24.0),
    ]
    assert not excluded


def test_weekly_figures_state_the_threshold_and_rules(qinzhou_week):
    body = port_transfer(qinzhou_week, bj(2, 0), bj(9, 0))
    rows = {r["direction"]: r for r in body["weeks"]}
    assert rows["rail_to_sea"]["median_h"] == 36.5 and rows["rail_to_sea"]["exact"] == 1
    assert rows["rail_to_sea"]["estimated"] == 1 and rows["rail_to_sea"]["share_over"] == 0.0
    assert rows["sea_to_rail"]["median_h"] == 24.0
    assert body["threshold_h"] == 72 and any("estimated" in r for r in body["rules"])
    assert body["hours"]["rail_to_sea"]["exact"] == [29.0]


def test_a_load_on_a_ship_without_a_detected_call_is_excluded_and_counted(qinzhou_week):
    stray = make_vessel(ship_type=70, length_m=200)
    c3 = container_number("SEGU", 503)
    send(
        train(
            "X9S3",
            origin="CQ_TJC",
            destination="QZ_EAST",
            location="QZ_EAST",
            event="arrival",
            actual=bj(5, 12).isoformat(),
            booked=bj(5, 12).isoformat(),
            containers=[c3],
        ),
        {
            "container": c3,
            "event": "load",
            "location": "QZ_PORT",
            "at": bj(6, 10).isoformat(),
            "vessel_mmsi": stray.mmsi,
        },
    )
    items, excluded = transfers(qinzhou_week, bj(2, 0), bj(9, 0))
    assert excluded == {"no port call of the loading vessel": 1}
    assert len([t for t in items if t.exact]) == 2
