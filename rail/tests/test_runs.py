"""Storing events and deriving runs, checked against values computed by hand: delays against
booked and original plan, transit time, status, the position of a running train; the same
day sent twice, corrections, retractions, out-of-order and unknown input."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import LineString

from corridors.models import Route, RouteSegment
from rail.ingest.events import container_number, parse_objects
from rail.models import ContainerEvent, RailEvent, Train
from rail.services.ingest import store_events
from rail.services.runs import position, rail_line
from tests.factories import make_node

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, tzinfo=UTC)
TRAIN = {
    "train": "X9001",
    "service_date": "2026-11-02",
    "route": "E",
    "origin": "CQ_TJC",
    "destination": "QZ_EAST",
    "service_type": "sea_rail",
    "source": "test",
}


def run(*events, now=NOW, allowed=None):
    parsed, refused = parse_objects([{**TRAIN, **e} for e in events], now)
    return store_events([*parsed, *refused], allowed_nodes=allowed)


def day_of_x9001():
    return [
        {
            "location": "CQ_TJC",
            "event": "departure",
            "classifier": "actual",
            "actual": "2026-11-02T10:20+08:00",
            "booked": "2026-11-02T10:00+08:00",
            "original": "2026-11-02T09:00+08:00",
            "teu": 96,
            "wagons": 50,
            "message_id": "m1",
        },
        {
            "location": "HH",
            "event": "pass",
            "classifier": "actual",
            "actual": "2026-11-02T20:50+08:00",
            "booked": "2026-11-02T20:00+08:00",
            "message_id": "m2",
        },
        {
            "location": "QZ_EAST",
            "event": "arrival",
            "classifier": "actual",
            "actual": "2026-11-03T12:45+08:00",
            "booked": "2026-11-03T12:00+08:00",
            "original": "2026-11-03T11:00+08:00",
            "message_id": "m3",
        },
    ]


def test_delays_transit_and_status_by_hand():
    result = run(*day_of_x9001())
    assert (result.stored, result.trains_created, result.refused) == (3, 1, [])
    t = Train.objects.get(train_no="X9001")
    assert t.status == "arrived"
    assert t.route.code == "E" and t.origin.code == "CQ_TJC" and t.destination.code == "QZ_EAST"
    # 12:45 against 12:00 booked = 45 min; against 11:00 original = 105 min.
    assert t.delay_booked_s == 45 * 60
    assert t.delay_original_s == 105 * 60
    # 10:20 on the 2nd to 12:45 on the 3rd = 26 h 25 min.
    assert t.transit_s == 26 * 3600 + 25 * 60
    assert t.dep_actual == datetime(2026, 11, 2, 2, 20, tzinfo=UTC)
    assert (t.teu, t.wagons) == (96, 50)


def test_resending_a_day_changes_nothing():
    run(*day_of_x9001())
    before = list(RailEvent.objects.order_by("id").values())
    again = run(*day_of_x9001())
    assert (again.stored, again.corrected, again.unchanged) == (0, 0, 3)
    assert list(RailEvent.objects.order_by("id").values()) == before


def test_planned_then_actual_updates_and_a_late_planned_message_is_outdated():
    planned = {**day_of_x9001()[2], "classifier": "planned", "actual": None}
    assert run(planned).stored == 1
    assert Train.objects.get().status == "planned"
    assert run(day_of_x9001()[2]).updated == 1
    late_planned = run(planned)
    assert (late_planned.outdated, late_planned.corrected) == (1, 0)
    assert RailEvent.objects.get(state="current").classifier == "actual"


def test_a_correction_changes_that_event_and_what_depends_on_it_only():
    run(*day_of_x9001())
    dep_before = RailEvent.objects.get(event="departure", state="current")
    fixed = {**day_of_x9001()[2], "actual": "2026-11-03T12:15+08:00", "revision": 1}
    result = run(fixed)
    assert result.corrected == 1
    t = Train.objects.get()
    assert t.delay_booked_s == 15 * 60 and t.transit_s == 25 * 3600 + 55 * 60
    old = RailEvent.objects.get(event="arrival", state="superseded")
    new = RailEvent.objects.get(event="arrival", state="current")
    assert new.supersedes == old and old.actual_at == datetime(2026, 11, 3, 4, 45, tzinfo=UTC)
    assert RailEvent.objects.get(event="departure", state="current") == dep_before
    # The original, resent after the correction, is older: kept out.
    assert run(day_of_x9001()[2]).outdated == 1
    assert Train.objects.get().delay_booked_s == 15 * 60


def test_a_retraction_keeps_the_record_and_leaves_the_figures():
    run(*day_of_x9001())
    result = run({**day_of_x9001()[2], "retract": True})
    assert result.retracted == 1
    t = Train.objects.get()
    assert t.status == "running" and t.arr_actual is None and t.transit_s is None
    assert RailEvent.objects.filter(state="retracted").count() == 1
    nothing = run({**day_of_x9001()[2], "location": "LZH", "retract": True})
    assert nothing.refused[0].reason == "nothing to retract"


def test_out_of_order_unknown_and_contradictory_events():
    events = day_of_x9001()
    result = run(events[2], events[0], {**events[1], "location": "NOWHERE"})
    assert (result.stored, len(result.refused)) == (2, 1)
    assert result.refused[0].reason == "unknown location" and result.refused[0].line == 3
    assert Train.objects.get().transit_s == 26 * 3600 + 25 * 60
    stop = {
        "location": "LZH",
        "event": "arrival",
        "classifier": "actual",
        "actual": "2026-11-03T02:00+08:00",
        "booked": "2026-11-03T01:00+08:00",
    }
    leave = {**stop, "event": "departure", "actual": "2026-11-03T01:30+08:00"}
    result = run(stop, leave)
    assert result.stored == 1
    assert result.refused[0].reason == "arrival after departure at the same station"
    assert run({**stop, "train": "X9002", "route": "NOPE"}).refused[0].reason == "unknown route"


def test_containers_listed_on_a_departure_are_loaded_on_the_train():
    boxes = [container_number("CXDU", 11), container_number("TGHU", 12)]
    dep = {**day_of_x9001()[0], "containers": boxes}
    assert run(dep).containers == 2
    assert run(dep).containers == 0
    rows = ContainerEvent.objects.order_by("container")
    assert [(r.container, r.event, r.node.code) for r in rows] == [
        (boxes[0], "load", "CQ_TJC"),
        (boxes[1], "load", "CQ_TJC"),
    ]


def test_cancellation_and_reinstatement():
    planned = {**day_of_x9001()[0], "classifier": "planned", "actual": None}
    cancel = {"location": "CQ_TJC", "event": "cancellation", "actual": "2026-11-01T12:00+08:00"}
    run(planned, cancel)
    assert Train.objects.get().status == "cancelled"
    run({**cancel, "event": "reinstatement", "actual": "2026-11-01T18:00+08:00"})
    assert Train.objects.get().status == "planned"


def test_an_operator_may_post_only_at_its_nodes():
    result = run(*day_of_x9001(), allowed={"QZ_EAST"})
    assert result.stored == 1 and {r.reason for r in result.refused} == {"location not yours"}


def test_an_operator_cannot_change_another_nodes_event_by_its_message_id():
    """Review finding (High): a correction "at" the operator's node carrying another node's
    message id moved that event; a retraction by message id took it out of the figures."""
    run(*day_of_x9001())
    dep = RailEvent.objects.get(event="departure", state="current")
    assert dep.node.code == "CQ_TJC"
    moved = {**day_of_x9001()[0], "location": "QZ_EAST", "event": "pass", "revision": 5}
    result = run(moved, allowed={"QZ_EAST"})
    assert [(r.reason, r.field) for r in result.refused] == [("event not yours", "message_id")]
    retract = {**moved, "retract": True}
    result = run(retract, allowed={"QZ_EAST"})
    assert [r.reason for r in result.refused] == ["event not yours"]
    assert RailEvent.objects.get(pk=dep.pk).state == "current"
    assert RailEvent.objects.filter(state="current").count() == 3
    # the same correction from a feed that may write anywhere (no node limit) moves the event
    assert run(moved).corrected == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"route": "M"}, "route"),
        ({"origin": "QZ_EAST"}, "origin"),
        ({"destination": "CQ_TJC"}, "destination"),
        ({"service_type": "domestic_block"}, "service_type"),
        ({"event": "cancellation", "actual": "2026-11-02T09:00+08:00"}, "event"),
    ],
)
def test_an_operator_cannot_rewrite_a_train_it_does_not_run(change, field):
    """Review finding (High): an event at the operator's own node rewrote the train's route,
    origin, destination and type, or cancelled it. Only the origin's operator may."""
    run(*day_of_x9001())
    before = Train.objects.values().get()
    arrival = {**day_of_x9001()[2], "revision": 3, **change}
    result = run(arrival, allowed={"QZ_EAST"})
    assert [(r.reason, r.field) for r in result.refused] == [("train not yours", field)]
    assert Train.objects.values().get() == before
    # the origin's operator may
    at_origin = {**day_of_x9001()[0], "revision": 3, **change}
    if field == "event":
        at_origin["location"] = "CQ_TJC"
    assert run(at_origin, allowed={"CQ_TJC"}).refused == []
    assert Train.objects.values().get() != before


def test_an_operator_still_reports_any_trains_arrival_at_its_node():
    run(*day_of_x9001()[:2])
    result = run(day_of_x9001()[2], allowed={"QZ_EAST"})
    assert (result.stored, result.refused) == (1, [])
    assert Train.objects.get().status == "arrived"


def test_position_along_the_line_by_hand():
    a = make_node(lon=108.0, lat=22.0, kind="rail_terminal", kinds=["rail_terminal"])
    c = make_node(lon=109.0, lat=23.0)
    b = make_node(lon=110.0, lat=22.0)
    route = Route.objects.create(code="TST", name_en="t", name_zh="t", modes="rail")
    for seq, (x, y) in enumerate(((a, c), (c, b)), start=1):
        RouteSegment.objects.create(
            route=route,
            seq=seq,
            from_node=x,
            to_node=y,
            mode="rail",
            geom=LineString(x.geom, y.geom, srid=4326),
            length_m=1.0,
        )
    rail_line.cache_clear()
    base = {"route": "TST", "origin": a.code, "destination": b.code, "train": "X9100"}
    run(
        {
            **base,
            "location": a.code,
            "event": "departure",
            "classifier": "actual",
            "actual": "2026-11-02T10:00Z",
            "booked": "2026-11-02T10:00Z",
        },
        {
            **base,
            "location": b.code,
            "event": "arrival",
            "classifier": "planned",
            "booked": "2026-11-02T20:00Z",
        },
    )
    train = Train.objects.get(train_no="X9100")
    events = list(train.events.select_related("node"))
    assert train.status == "running"
    # The two legs are equally long: half way (15:00) is the middle node, a quarter of the
    # way (12:30) the middle of the first leg.
    half = position(train, events, datetime(2026, 11, 2, 15, tzinfo=UTC))
    assert (round(half.lon, 6), round(half.lat, 6)) == (109.0, 23.0)
    quarter = position(train, events, datetime(2026, 11, 2, 12, 30, tzinfo=UTC))
    assert abs(quarter.lon - 108.5) < 0.01 and abs(quarter.lat - 22.5) < 0.01
    assert (quarter.from_code, quarter.to_code) == (a.code, b.code)
    # Before it leaves it stands at its origin.
    early = position(train, events, datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert (early.lon, early.lat) == (108.0, 22.0)
    assert (
        position(train, events, datetime(2026, 11, 2, 10, tzinfo=UTC) + timedelta(hours=30)).share
        == 0.99
    )


def test_a_correction_for_an_event_never_seen_is_kept_as_the_event():
    fixed = {**day_of_x9001()[2], "revision": 2}
    result = run(fixed)
    assert (result.stored, result.refused) == (1, [])
    assert RailEvent.objects.get().revision == 2


def test_kpis_follow_a_correction_and_a_retraction():
    from datetime import date

    from rail.services.kpis import route_kpis

    def week():
        (row,) = route_kpis(Route.objects.get(code="E"), date(2026, 11, 2), date(2026, 11, 8))
        return row

    run(*day_of_x9001())
    assert (week().arrived, week().punctuality) == (1, 0.0)  # 45 min late, threshold 30
    run({**day_of_x9001()[2], "actual": "2026-11-03T12:15+08:00", "revision": 1})
    assert week().punctuality == 1.0  # 15 min late: on time now
    run({**day_of_x9001()[2], "retract": True})
    assert (week().trains_run, week().arrived, week().punctuality) == (1, 0, None)
