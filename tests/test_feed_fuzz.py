"""Feed fuzz (issue 19): NUL and control characters put into every field of every source.
Every valid row of a batch is stored and each refusal is counted and named; no batch is
lost for one bad row. (Uploads are all-or-nothing by rule: every bad row is reported with
its row and column, and nothing of that upload is stored.)"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from pyais import encode_dict
from pyais.util import checksum
from rest_framework.test import APIClient

from ais.db import position_store
from ais.ingest.ais import decode_lines
from ais.ingest.batch import Batch
from ais.ingest.pipeline import ERROR_KINDS
from ais.ingest.store import BufferedWriter
from ais.models import VesselPosition
from core.database import db_conninfo
from core.ingest.text import has_control
from ports.models import ThroughputReport
from ports.services.reporting import plan_file
from rail.ingest.events import parse_objects
from rail.models import ContainerEvent, RailEvent
from rail.services.ingest import store_events

pytestmark = pytest.mark.django_db
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"]
NOW = time.time()


def nmea(body: str) -> str:
    return f"{body}*{checksum(body.encode()):02X}"


def ais_line(mmsi: int, t: int, station: str = "ST1", poison: tuple[str, int] | None = None):
    """A tagged type-1 line; `poison` = (character, where): put into the tag block (where
    < 0) or the sentence's body, both checksums made right again."""
    [sentence] = encode_dict(
        {"type": 1, "mmsi": mmsi, "lon": 108.6, "lat": 21.6, "speed": 5.0, "course": 90.0},
        talker_id="AI",
        sentence_type="VDM",
    )
    tag = f"s:{station},c:{t}"
    body = sentence[1 : sentence.rindex("*")]
    if poison:
        char, where = poison
        if where < 0:
            at = -where % (len(tag) + 1)
            tag = tag[:at] + char + tag[at:]
        else:
            at = 1 + where % len(body)  # never before the talker's first character
            body = body[:at] + char + body[at:]
    return f"\\{nmea(tag)}\\!{nmea(body)}".encode()


def test_ais_lines_with_control_characters_anywhere(tmp_path, ais_tables):
    rng = random.Random(19)
    t = int(NOW) - 300
    good = [ais_line(413000000 + i, t + i, station=f"ST{i % 4}") for i in range(300)]
    bad = [
        ais_line(
            413500000 + i,
            t + i,
            poison=(rng.choice(CONTROLS), rng.randrange(-40, 60)),
        )
        for i in range(120)
    ]
    lines = good + bad
    rng.shuffle(lines)
    positions, _, counts = decode_lines(lines, NOW)
    assert sorted(p.mmsi for p in positions) == list(range(413000000, 413000300))
    refused = sum(counts[k] for k in ERROR_KINDS)
    assert refused == len(bad), counts
    assert counts["control_characters"] >= 100  # the rest refused by the NMEA checks
    assert not any(has_control(p.source) for p in positions)
    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    writer.submit(Batch(positions))
    writer.close()
    assert writer.counts["dead_batches"] == 0
    stored = VesselPosition.objects.filter(mmsi__gte=413000000, mmsi__lt=414000000)
    assert stored.count() == len(good)


TRAIN_EVENT = {
    "train": "X9501",
    "service_date": "2026-11-02",
    "route": "E",
    "origin": "CQ_TJC",
    "destination": "QZ_EAST",
    "service_type": "sea_rail",
    "source": "fuzz",
    "location": {"scheme": "node", "code": "CQ_TJC"},
    "event": "departure",
    "classifier": "actual",
    "actual": "2026-11-02T10:20+08:00",
    "booked": "2026-11-02T10:00+08:00",
    "tz": "Asia/Shanghai",
    "delay_cause": "11",
    "wagons": 50,
    "teu": 96,
    "containers": ["CSQU3054383"],
    "external_ids": {"uic": "123"},
    "message_id": "m",
    "revision": 0,
}
CONTAINER_EVENT = {
    "container": "MSKU0000011",
    "event": "gate_in",
    "location": "QZ_EAST",
    "at": "2026-11-02T08:00+08:00",
    "source": "fuzz",
    "message_id": "c",
}


def poisoned(value, char: str):
    """`value` with `char` inside it (in a string, a nested value or a key)."""
    if isinstance(value, dict):
        key = sorted(value)[0]
        return {**value, key: poisoned(value[key], char)}
    if isinstance(value, list):
        return [poisoned(value[0], char), *value[1:]]
    text = str(value)
    return text[: len(text) // 2] + char + text[len(text) // 2 :]


def test_rail_and_container_events_with_control_characters_in_every_field():
    now = datetime(2026, 11, 20, tzinfo=UTC)
    valid, bad, fields = [], [], []
    for i, (base, train_key) in enumerate(((TRAIN_EVENT, "train"), (CONTAINER_EVENT, None))):
        for j, name in enumerate(base):
            for k, char in enumerate(("\x00", CONTROLS[(i + j) % len(CONTROLS)])):
                event = dict(base)
                if train_key:
                    event[train_key] = f"X{9600 + 10 * j + k}"
                    event["message_id"] = f"m{j}-{k}"
                else:
                    event["message_id"] = f"c{j}-{k}"
                event[name] = poisoned(base[name], char)
                bad.append(event)
                fields.append(name)
        # the same shapes, unpoisoned, stored beside them
        for j in range(5):
            event = dict(base)
            if train_key:
                event[train_key] = f"X{9900 + j}"
            else:
                event["container"] = ["MSKU0000011", "CSQU3054383", "TGHU0000029"][j % 3]
                event["at"] = f"2026-11-0{2 + j}T08:00+08:00"
            event["message_id"] = f"ok{i}-{j}"
            valid.append(event)
    batch = valid + bad
    random.Random(7).shuffle(batch)
    parsed, refused = parse_objects(batch, now)
    result = store_events([*parsed, *refused])
    assert [r for r in result.refused if r.reason != "control characters"] == []
    assert RailEvent.objects.filter(source="fuzz").count() == 5
    assert set(ContainerEvent.objects.values_list("message_id", flat=True)) >= {
        f"ok1-{j}" for j in range(5)
    }
    reasons = Counter((r.reason, r.field) for r in result.refused)
    assert sum(reasons.values()) == len(bad), reasons
    assert reasons == Counter(("control characters", f) for f in fields)
    assert not any(has_control(str(r.as_dict())) for r in result.refused)


@pytest.mark.parametrize("column", ["node", "period", "metric", "unit", "value", "note"])
@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x0b"])
def test_an_upload_names_each_row_and_column_with_a_control_character(column, char):
    header = "node,period,metric,unit,value,note"
    good = {"node": "QZ_PORT", "period": "2026-09", "metric": "teu", "unit": "teu"}
    rows = []
    for i in range(1, 5):
        row = {**good, "period": f"2026-0{i}", "value": str(800000 + i), "note": "ok"}
        if i in (2, 4):
            row[column] = row[column][:1] + char + row[column][1:]
        rows.append(",".join(row[c] for c in header.split(",")))
    data = ("\n".join([header, *rows]) + "\n").encode()
    plan = plan_file(get_user_model().objects.get(username="operator"), data, "figures.csv")
    errors = [(p.row, p.column, p.code) for p in plan.errors]
    assert errors == [(3, column, "control_characters"), (5, column, "control_characters")]
    assert not any(has_control(p.value) for p in plan.errors)
    assert not ThroughputReport.objects.filter(source="operator").exists()


def test_the_throughput_api_refuses_a_nul_naming_row_and_field(login_as):
    operator = login_as(APIClient(), "operator")
    figures = [
        {"node": "QZ_PORT", "period": "2026-08", "metric": "teu", "unit": "teu", "value": "1"},
        {
            "node": "QZ_PORT",
            "period": "2026-09",
            "metric": "teu",
            "unit": "teu",
            "value": "2",
            "note": "a\x00b",
        },
    ]
    response = operator.post("/api/throughput/", {"figures": figures}, format="json")
    assert response.status_code == 400
    # the serializer refuses it (DRF's own NUL check), by row and field
    errors = response.json()["figures"]
    errors = dict(enumerate(errors)) if isinstance(errors, list) else errors
    assert list(errors[1 if 1 in errors else "1"]) == ["note"]
    assert not errors.get(0) and not errors.get("0")
    figures[1]["note"] = "a\x1bb"  # a control character DRF lets through: our rule
    response = operator.post("/api/throughput/", {"figures": figures}, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["column"], e["code"]) for e in response.json()["errors"]] == [
        (2, "note", "control_characters")
    ]
    assert not ThroughputReport.objects.filter(source="operator").exists()


def test_a_stored_station_never_holds_a_control_character(tmp_path, ais_tables):
    """Whatever the decoder lets through, the database keeps the feed going."""
    from ais.ingest.ais import Position

    ts = datetime.now(UTC) - timedelta(minutes=1)
    rows = [Position(413900000 + i, ts, 108.6, 21.6, 1.0, 1.0, 1, 0, 1, "S") for i in range(9)]
    rows[4] = rows[4]._replace(source="\x00")
    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    writer.submit(Batch(rows))
    writer.close()
    assert VesselPosition.objects.filter(mmsi__gte=413900000, mmsi__lt=414000000).count() == 8
