"""The pure event parser: every field checked, a bad event refused with its line and reason,
the others kept."""

from datetime import UTC, datetime

import pytest

from rail.ingest.events import (
    ContainerEvent,
    EventError,
    TrainEvent,
    check_digit,
    container_number,
    iter_csv,
    iter_jsonl,
    parse_event,
    parse_stream,
    valid_container,
)

NOW = datetime(2026, 11, 20, tzinfo=UTC)
BASE = {
    "train": "X9001",
    "service_date": "2026-11-02",
    "location": "CQ_TJC",
    "event": "departure",
    "classifier": "actual",
    "actual": "2026-11-02T10:20:00+08:00",
    "booked": "2026-11-02T10:00",
}


def test_iso6346_check_digits_of_published_examples():
    # CSQU3054383 is the standard's own example; MSKU 907032 -> 3 is a widely quoted one.
    assert check_digit("CSQU305438") == 3
    assert valid_container("CSQU3054383")
    assert not valid_container("CSQU3054384")
    assert valid_container(container_number("CXDU", 123456))


def test_times_are_utc_and_local_times_take_the_zone():
    ev = parse_event(BASE, 1, NOW)
    assert isinstance(ev, TrainEvent)
    assert ev.actual == datetime(2026, 11, 2, 2, 20, tzinfo=UTC)
    assert ev.booked == datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # naive: Asia/Shanghai
    assert ev.tz == "Asia/Shanghai"
    utc = parse_event({**BASE, "tz": "UTC", "booked": "2026-11-02T10:00"}, 1, NOW)
    assert utc.booked == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"event": "teleport"}, "unknown event"),
        ({"classifier": "guessed"}, "unknown classifier"),
        ({"actual": "2031-01-01T00:00:00Z"}, "time in the far future"),
        ({"actual": "yesterday"}, "bad time"),
        ({"location": "no spaces allowed"}, "bad location code"),
        ({"location": {"scheme": "iata", "code": "CKG"}}, "unknown location scheme"),
        ({"train": None}, "missing field"),
        ({"containers": ["CSQU3054384"]}, "bad container number"),
        ({"delay_cause": "XYZ"}, "bad delay cause"),
        ({"wagons": -3}, "bad value"),
        ({"tz": "Mars/Olympus"}, "bad time zone"),
        ({"actual": None}, "missing field"),
    ],
)
def test_bad_events_are_refused_with_a_reason(change, reason):
    with pytest.raises(EventError) as exc:
        parse_event({**BASE, **change}, 7, NOW)
    assert exc.value.reason == reason


def test_container_events_need_a_conveyance_and_a_valid_number():
    box = {
        "container": "CSQU3054383",
        "event": "load",
        "location": "QZ_PORT",
        "at": "2026-11-04T10:00",
    }
    with pytest.raises(EventError, match="a train or a vessel_mmsi"):
        parse_event(box, 1, NOW)
    ev = parse_event({**box, "vessel_mmsi": 412000001}, 1, NOW)
    assert isinstance(ev, ContainerEvent) and ev.vessel_mmsi == 412000001
    with pytest.raises(EventError, match="bad container number"):
        parse_event({**box, "container": "CSQU3054380", "vessel_mmsi": 412000001}, 1, NOW)


def test_a_stream_keeps_good_lines_and_numbers_bad_ones():
    import json

    lines = [json.dumps(BASE), "{not json", "", json.dumps({**BASE, "event": "x"}), "[1, 2]"]
    out = list(parse_stream(iter_jsonl(lines), NOW))
    kinds = [(type(o).__name__, getattr(o, "line", None), getattr(o, "reason", None)) for o in out]
    assert kinds == [
        ("TrainEvent", 1, None),
        ("Refusal", 2, "malformed JSON"),
        ("Refusal", 4, "unknown event"),
        ("Refusal", 5, "not an object"),
    ]


def test_csv_rows_carry_locations_in_named_schemes_and_container_lists():
    text = (
        "train,service_date,location,event,classifier,actual,containers\n"
        "X9001,2026-11-02,unlocode:CNQZH,arrival,actual,2026-11-03T12:45+08:00,"
        f"{container_number('CXDU', 1)} {container_number('TGHU', 2)}\n"
        "X9001,2026-11-02,node:QZ_EAST,arrival,actual,2026-11-03T12:45+08:00,,extra\n"
    )
    out = list(parse_stream(iter_csv(text.splitlines(keepends=True)), NOW))
    assert out[0].location.scheme == "unlocode" and out[0].location.code == "CNQZH"
    assert len(out[0].containers) == 2
    assert out[1].reason == "malformed CSV row" and out[1].line == 3
