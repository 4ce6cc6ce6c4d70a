"""Rail and container CSVs by saved column profiles (issue 23, item 5): a railway's export
(95306-like, Chinese headers, Beijing times as 2026/11/20 16:30, station names) and a
terminal's container export load without editing; the same checks as JSON lines; a bad
mapping refused before it is saved; a header that lacks a mapped column refused, naming it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rail.ingest.events import container_number
from rail.models import ContainerEvent, RailEvent

pytestmark = pytest.mark.django_db

RAILWAY = {
    "columns": {
        "train": "车次", "service_date": "开行日期", "location": "车站", "event": "作业",
        "actual": "实际时间", "booked": "图定时间", "teu": "箱量(TEU)", "wagons": "辆数",
    },
    "values": {
        "event": {"到达": "arrival", "出发": "departure", "通过": "pass"},
        "location": {"团结村": "node:CQ_TJC", "钦州港东": "node:QZ_EAST", "南宁南": "node:NN_IRP"},
    },
    "defaults": {"classifier": "actual", "source": "95306"},
    "time_format": "%Y/%m/%d %H:%M",
    "date_format": "%Y%m%d",
    "tz": "Asia/Shanghai",
}  # fmt: skip
TERMINAL = {
    "columns": {"container": "箱号", "event": "作业类型", "location": "作业地点", "at": "作业时间",
                "train": "车次", "service_date": "班列日期"},
    "values": {
        "event": {"装车": "load", "卸车": "discharge", "进闸": "gate_in", "出闸": "gate_out"}
    },
    "time_format": "%Y-%m-%d %H:%M:%S",
    "location_scheme": "node",
}  # fmt: skip


def save(tmp_path, name, mapping):
    (tmp_path / f"{name}.json").write_text(json.dumps(mapping, ensure_ascii=False))
    call_command(
        "column_profile", "save", name, str(tmp_path / f"{name}.json"), "--kind", "rail",
        stdout=StringIO(),
    )  # fmt: skip


def ingest(*args):
    out, err = StringIO(), StringIO()
    call_command("ingest_rail", *map(str, args), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_a_railway_export_loads_through_its_profile(tmp_path):
    save(tmp_path, "railway", RAILWAY)
    export = tmp_path / "95306-export.csv"
    export.write_bytes(
        (
            "车次,开行日期,车站,作业,图定时间,实际时间,箱量(TEU),辆数\n"
            "X8001,20261119,团结村,出发,2026/11/19 08:00,2026/11/19 08:12,100,50\n"
            "X8001,20261119,南宁南,通过,,2026/11/20 02:30,,\n"
            "X8001,20261119,钦州港东,到达,2026/11/20 06:00,2026/11/20 06:45,100,50\n"
            "X8001,20261119,钦州港东,到站,2026/11/20 06:00,2026/11/20 06:50,,\n"
            "X8001,2026-11-19,钦州港东,到达,,2026/11/20 06:45,,\n"
        ).encode("gb18030")  # as a Chinese system exports it
    )
    out = ingest(export, "--profile", "railway")
    events = {e.event: e for e in RailEvent.objects.filter(train__train_no="X8001")}
    assert set(events) == {"departure", "pass", "arrival"}
    assert events["departure"].actual_at == datetime(2026, 11, 19, 0, 12, tzinfo=UTC)  # Beijing
    assert events["arrival"].node.code == "QZ_EAST" and events["arrival"].teu == 100
    assert events["departure"].source == "95306"
    assert ":5: unknown event" in out  # 到站 is no word of the profile: refused with its line
    assert ":6: bad value" in out and "service_date" in out  # a date in another format
    again = ingest(export, "--profile", "railway")
    assert RailEvent.objects.filter(train__train_no="X8001").count() == 3  # stored once
    assert "0 stored" in again and "3 unchanged" in again


def test_a_terminal_container_export_loads_through_its_profile(tmp_path):
    save(tmp_path, "railway", RAILWAY)
    save(tmp_path, "terminal", TERMINAL)
    (tmp_path / "train.csv").write_text(
        "车次,开行日期,车站,作业,图定时间,实际时间,箱量(TEU),辆数\n"
        "X8002,20261119,团结村,出发,,2026/11/19 09:00,2,1\n"
    )
    ingest(tmp_path / "train.csv", "--profile", "railway")
    box = container_number("CXDU", 7)
    (tmp_path / "terminal.csv").write_text(
        "箱号,作业类型,作业地点,作业时间,车次,班列日期\n"
        f"{box},装车,CQ_TJC,2026-11-19 08:30:00,X8002,2026-11-19\n"
        f"{box},进闸,QZ_PORT,2026-11-20 10:00:00,,\n"
        "ABC12345,装车,CQ_TJC,2026-11-19 08:30:00,X8002,2026-11-19\n"
    )
    out = ingest(tmp_path / "terminal.csv", "--profile", "terminal")
    stored = ContainerEvent.objects.filter(container=box).order_by("at")
    assert [e.event for e in stored] == ["load", "gate_in"]
    assert stored[0].train.train_no == "X8002"
    assert stored[0].at == datetime(2026, 11, 19, 0, 30, tzinfo=UTC)
    assert "bad container number" in out


def test_a_bad_mapping_or_a_header_without_its_columns_is_refused(tmp_path):
    bad = {"columns": {"train": "车次", "speed": "速度"}, "tz": "Mars/Olympus", "time_format": "x"}
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False))
    with pytest.raises(CommandError) as refused:
        call_command("column_profile", "save", "bad", str(tmp_path / "bad.json"), "--kind", "rail")
    for key in ("speed", "event must be mapped", "time_format", "tz"):
        assert key in str(refused.value), key
    save(tmp_path, "railway", RAILWAY)
    (tmp_path / "other.csv").write_text("train,when\nX1,2026-11-19\n")
    out = ingest(tmp_path / "other.csv", "--profile", "railway")
    assert ":1: columns missing: " in out and "车次" in out
    with pytest.raises(CommandError, match="no such rail profile"):
        ingest(tmp_path / "other.csv", "--profile", "nonesuch")
