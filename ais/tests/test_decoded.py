"""Decoded AIS archives (issue 23, item 1): NOAA MarineCadastre, the Danish Maritime
Authority's and the satellite providers' layouts recognised from their headers, and any
other CSV through a saved column profile (Chinese exports: Chinese headers, GB18030 text,
Beijing time). Each file is written from its layout's published column list, loaded twice
(stored once) and checked value by value in PostGIS; a file of mixed layouts and one whose
header matches nothing are refused with their reasons."""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ais.ingest.decoded import check_mapping
from ais.models import Vessel, VesselPosition
from core.models import ColumnProfile

pytestmark = pytest.mark.usefixtures("ais_tables")

NOAA_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)
DMA_HEADER = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,"
    "Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing "
    "device,Draught,Destination,ETA,Data source type,A,B,C,D"
)
SATELLITE_COLUMNS = [
    "MMSI", "Message_ID", "Repeat_indicator", "Time", "Millisecond", "Region", "Country",
    "Base_station", "Online_data", "Group_code", "Sequence_ID", "Channel", "Data_length",
    "Vessel_Name", "Call_sign", "IMO", "Ship_Type", "Destination", "Estimated_time",
    "Draught", "Dimension_to_Bow", "Dimension_to_stern", "Dimension_to_port",
    "Dimension_to_starboard", "Navigational_status", "Rate_of_turn", "SOG",
    "Position_accuracy", "Longitude", "Latitude", "COG", "Heading",
]  # fmt: skip


def ingest(*args: str) -> str:
    out = StringIO()
    call_command("ingest_ais", *args, "--no-progress", stdout=out)
    return out.getvalue()


def at(mmsi: int) -> VesselPosition:
    return VesselPosition.objects.get(mmsi=mmsi)


def test_noaa_marinecadastre_loads_as_published_and_twice_stores_once(tmp_path):
    rows = [
        NOAA_HEADER,
        "413100001,2026-11-20T08:00:00,21.64210,108.57120,12.3,201.5,202,BEIBU STAR,"
        "IMO9811002,BQZB,70,0,250,32,11.5,70,A",
        # Not available: COG 360, heading 511; class B.
        "413100002,2026-11-20T08:01:00,21.60000,108.60000,0.1,360.0,511,,,,37,,15,4,,,B",
        "000000123,2026-11-20T08:02:00,21.6,108.6,1,1,1,BUOY,,,,,,,,,A",  # not a vessel
        "413100003,2026-11-20T08:03:00,95.0,108.6,1,1,1,,,,,,,,,,A",  # latitude out of range
        "413100004,20/11/2026 08:04,21.6,108.6,1,1,1,,,,,,,,,,A",  # a time of another layout
    ]
    path = tmp_path / "AIS_2026_11_20.csv"
    path.write_text("\n".join(rows) + "\n")
    out = ingest(str(path), "--spill-dir", str(tmp_path / "spill"))
    assert "read as AIS_2026_11_20.csv: NOAA MarineCadastre" in out
    assert "2 positions (2 new stored)" in out
    assert "invalid_mmsi=1" in out and "bad_position=1" in out and "bad_time=1" in out
    a = at(413100001)
    assert a.ts == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert (a.geom.x, a.geom.y, a.geom.srid) == pytest.approx((108.5712, 21.6421, 4326))
    assert (a.sog_kn, a.cog_deg, a.heading_deg, a.nav_status) == pytest.approx(
        (12.3, 201.5, 202, 0)
    )
    b = at(413100002)
    assert b.cog_deg is None and b.heading_deg is None and b.nav_status is None
    v = Vessel.objects.get(mmsi=413100001)
    assert (v.name, v.imo, v.callsign, v.ship_type, v.length_m, v.beam_m, v.draught_m) == (
        "BEIBU STAR",
        9811002,
        "BQZB",
        70,
        250,
        32,
        11.5,
    )
    again = ingest(str(path), "--spill-dir", str(tmp_path / "spill"), "--force")
    assert "2 positions (0 new stored)" in again
    assert VesselPosition.objects.filter(mmsi__in=[413100001, 413100002]).count() == 2


def test_the_danish_maritime_authority_layout_with_words_and_its_day_first_times(tmp_path):
    def row(*cells: str) -> str:
        return ",".join(cells)

    lines = [
        DMA_HEADER,
        row("20/11/2026 09:15:30", "Class A", "219000001", "55.676100", "12.568300",
            "Under way using engine", "0.0", "10.4", "87.5", "88", "9300001", "OXAB2",
            "DANA", "Cargo", "", "30", "190", "GPS", "9.1", "QINZHOU", "", "AIS",
            "150", "40", "12", "18"),
        row("20/11/2026 09:16:00", "Class A", "219000002", "55.7", "12.6", "At anchor", "",
            "", "", "", "Unknown", "", "", "Tanker", "", "", "", "", "", "", "", "AIS",
            "", "", "", ""),
        row("20/11/2026 09:16:30", "Base Station", "002190001", "55.7", "12.6", "", "", "",
            "", "", "", "", "", "", "", "", "", "", "", "", "", "AIS", "", "", "", ""),
        row("20/11/2026 09:17:00", "Class A", "219000003", "91", "181", "Moored", "", "0",
            "", "", "", "", "", "", "", "", "", "", "", "", "", "AIS", "", "", "", ""),
    ]  # fmt: skip
    path = tmp_path / "aisdk-2026-11-20.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    out = ingest(str(path), "--spill-dir", str(tmp_path / "spill"))
    assert "Danish Maritime Authority" in out and "2 positions (2 new stored)" in out
    assert "invalid_mmsi=1" in out and "no_position=1" in out  # a base station; 91/181
    a = at(219000001)
    assert a.ts == datetime(2026, 11, 20, 9, 15, 30, tzinfo=UTC)
    assert (a.geom.x, a.geom.y) == pytest.approx((12.5683, 55.6761))
    assert (a.sog_kn, a.cog_deg, a.heading_deg, a.nav_status) == pytest.approx((10.4, 87.5, 88, 0))
    b = at(219000002)
    assert b.sog_kn is None and b.cog_deg is None and b.nav_status == 1  # "At anchor"
    v = Vessel.objects.get(mmsi=219000001)
    assert (v.name, v.imo, v.ship_type, v.length_m, v.beam_m, v.destination) == (
        "DANA",
        9300001,
        70,
        190,
        30,
        "QINZHOU",
    )
    assert Vessel.objects.get(mmsi=219000002).ship_type == 80  # "Tanker"


def test_the_satellite_decoded_layout_positions_and_statics_in_one_table(tmp_path):
    def row(**values: str) -> str:
        return ",".join(values.get(c, "") for c in SATELLITE_COLUMNS)

    lines = [
        ",".join(SATELLITE_COLUMNS),
        row(MMSI="563000001", Message_ID="1", Time="20261120_101500", SOG="14.2",
            Longitude="104.1", Latitude="1.2", COG="45.5", Heading="46",
            Navigational_status="0"),
        row(MMSI="563000001", Message_ID="5", Time="20261120_101600", Vessel_Name="LION CITY",
            Call_sign="9VAB", IMO="9700001", Ship_Type="71", Destination="CNQZH",
            Draught="12.4", Dimension_to_Bow="200", Dimension_to_stern="60",
            Dimension_to_port="20", Dimension_to_starboard="20"),
        row(MMSI="563000002", Message_ID="18", Time="20261120_101700", SOG="102.3",
            Longitude="104.2", Latitude="1.3", COG="360", Heading="511"),
        row(MMSI="563000003", Message_ID="4", Time="20261120_101800", Longitude="104",
            Latitude="1"),
    ]  # fmt: skip
    path = tmp_path / "satellite.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("export/positions.csv", "\n".join(lines) + "\n")
    out = ingest(str(path), "--spill-dir", str(tmp_path / "spill"))
    assert "Spire" in out and "2 positions (2 new stored)" in out and "1 static reports" in out
    a = at(563000001)
    assert a.ts == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    assert (a.sog_kn, a.cog_deg, a.heading_deg) == pytest.approx((14.2, 45.5, 46))
    b = at(563000002)
    assert b.sog_kn is None and b.cog_deg is None and b.heading_deg is None
    v = Vessel.objects.get(mmsi=563000001)
    assert (v.name, v.callsign, v.imo, v.ship_type, v.length_m, v.beam_m, v.draught_m) == (
        "LION CITY",
        "9VAB",
        9700001,
        71,
        260,
        40,
        12.4,
    )


# Representative exports of Chinese data holders (headers as their users see them; the
# providers publish no column specification, so these stand for their exports' shape).
CHINESE_EXPORTS = {
    "hifleet": (
        "船名,MMSI,IMO,呼号,船舶类型,经度,纬度,航速(节),航向,船首向,更新时间(北京时间)",
        "北部湾明珠,413200001,9811003,BQZC,70,108.5801,21.6102,11.2,199.0,200,2026-11-20 16:30:00",
        {"name": "船名", "mmsi": "MMSI", "imo": "IMO", "callsign": "呼号",
         "ship_type": "船舶类型", "lon": "经度", "lat": "纬度", "sog": "航速(节)",
         "cog": "航向", "heading": "船首向", "time": "更新时间(北京时间)"},
        {"time_format": "%Y-%m-%d %H:%M:%S", "utc_offset_h": 8},
    ),
    "shipxy": (
        "MMSI;船名;经度;纬度;航速;航向;时间",
        "413200002;钦州号;108.6001;21.6203;20.0;90.0;2026/11/20 16:31:00",
        {"mmsi": "MMSI", "name": "船名", "lon": "经度", "lat": "纬度", "sog": "航速",
         "cog": "航向", "time": "时间"},
        {"time_format": "%Y/%m/%d %H:%M:%S", "utc_offset_h": 8, "sog_unit": "kmh",
         "delimiter": ";"},
    ),
    "msa": (
        "水上移动通信业务标识码,船舶名称,经度(度),纬度(度),对地航速(节),对地航向(度),"
        "航行状态,吃水(米),船长(米),船宽(米),接收时间(UTC)",
        "413200003,桂钦州货1,108.6202,21.6304,0.2,12.0,1,6.5,98,16,1795163520",
        {"mmsi": "水上移动通信业务标识码", "name": "船舶名称", "lon": "经度(度)",
         "lat": "纬度(度)", "sog": "对地航速(节)", "cog": "对地航向(度)",
         "nav_status": "航行状态", "draught": "吃水(米)", "length": "船长(米)",
         "width": "船宽(米)", "time": "接收时间(UTC)"},
        {"time_format": "epoch"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CHINESE_EXPORTS))
def test_a_saved_profile_reads_a_chinese_export_as_it_comes(tmp_path, name):
    header, line, columns, options = CHINESE_EXPORTS[name]
    mapping = {"columns": columns, **options}
    (tmp_path / "profile.json").write_text(json.dumps(mapping, ensure_ascii=False))
    call_command("column_profile", "save", name, str(tmp_path / "profile.json"), stdout=StringIO())
    path = tmp_path / f"{name}.csv"
    path.write_bytes((header + "\n" + line + "\n").encode("gb18030"))  # as Excel saves it
    out = ingest(str(path), "--spill-dir", str(tmp_path / "spill"))
    assert f"read as {name}.csv: {name}" in out and "1 positions (1 new stored)" in out
    mmsi = int(next(c for c in line.replace(";", ",").split(",") if c.startswith("4132")))
    p = at(mmsi)
    minute = {"hifleet": 30, "shipxy": 31, "msa": 32}[name]  # Beijing time, or epoch UTC
    assert p.ts == datetime(2026, 11, 20, 8, minute, tzinfo=UTC)
    if name == "shipxy":
        assert p.sog_kn == pytest.approx(20.0 / 1.852)  # km/h to knots
    if name == "msa":
        assert p.nav_status == 1 and Vessel.objects.get(mmsi=mmsi).draught_m == 6.5
    assert (
        Vessel.objects.get(mmsi=mmsi).name
        == line.replace(";", ",").split(",")[
            [c.strip() for c in header.replace(";", ",").split(",")].index(columns["name"])
        ]
    )
    assert "1 positions (0 new stored)" in ingest(
        str(path), "--spill-dir", str(tmp_path / "spill"), "--force", "--layout", name
    )


def test_a_mapping_is_checked_before_it_is_saved(tmp_path):
    bad = {"columns": {"mmsi": "MMSI", "lon": "经度", "speed": "航速"}, "time_format": "yesterday",
           "utc_offset_h": 30}  # fmt: skip
    problems = " | ".join(check_mapping(bad))
    for key in ("speed", "time, lat", "time_format", "utc_offset_h"):
        assert key in problems, key
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False))
    with pytest.raises(CommandError, match="time_format"):
        call_command("column_profile", "save", "bad", str(tmp_path / "bad.json"))
    assert not ColumnProfile.objects.filter(name="bad").exists()
    with pytest.raises(CommandError, match="not a built-in layout"):
        ingest(str(tmp_path / "bad.json"), "--layout", "nonesuch")


def test_mixed_layouts_and_an_unknown_header_are_refused_with_reasons(tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "\n".join(
            [
                NOAA_HEADER,
                "413300001,2026-11-20T08:00:00,21.6,108.6,1,1,1,,,,,,,,,,A",
                DMA_HEADER,
                "20/11/2026 09:15:30,Class A,219300001,55.6,12.5,,,,,,,,,,,,,,,,,AIS,,,,",
            ]
        )
        + "\n"
    )
    out = ingest(str(mixed), "--spill-dir", str(tmp_path / "spill"))
    assert "mixed_layout=1" in out and "a header of another layout" in out
    assert not VesselPosition.objects.filter(mmsi=219300001).exists()
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"ship,where,when\n\xff\xfe,1,2\nabc,def,ghi\n")
    out = ingest(str(garbled), "--spill-dir", str(tmp_path / "spill"))
    assert "unknown_layout=2" in out and "the header matches no layout" in out
    # Refused files are not recorded as loaded: fixed, they load next time.
    from ais.models import AisIngestRun

    assert not AisIngestRun.objects.filter(sources=str(garbled), finished_at__isnull=False).exists()


def test_a_zip_of_several_files_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", NOAA_HEADER + "\n")
        z.writestr("b.csv", NOAA_HEADER + "\n")
    out = ingest(str(path), "--spill-dir", str(tmp_path / "spill"))
    assert "a zip archive of 2 files" in out


def test_an_administrator_uploads_an_archive_and_the_worker_loads_it(tmp_path, settings, login_as):
    """The same reader through an upload in the admin (administrators only): the file is
    queued, the worker loads it and keeps the run's summary; a file of another kind or an
    unknown layout is refused on the form, naming the field."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from ais.models import AisUpload
    from ais.services.uploads import process_queue
    from audit.models import AuditEvent

    settings.VAR_DIR = tmp_path
    body = (
        NOAA_HEADER + "\n413500001,2026-11-20T08:00:00,21.6,108.6,5,90,91,UPLOADED,,,70,0,,,,,A\n"
    )
    analyst = login_as(Client(), "analyst")
    assert analyst.get("/admin/ais/aisupload/add/").status_code in (302, 403)
    admin = login_as(Client(), "admin")
    refused = admin.post(
        "/admin/ais/aisupload/add/",
        {"file": SimpleUploadedFile("notes.docx", b"x"), "layout": ""},
    )
    assert refused.status_code == 200 and "Not one of" in refused.content.decode()
    refused = admin.post(
        "/admin/ais/aisupload/add/",
        {"file": SimpleUploadedFile("a.csv", body.encode()), "layout": "nonesuch"},
    )
    assert refused.status_code == 200 and "not a built-in layout" in refused.content.decode()
    assert not AisUpload.objects.exists()
    sent = admin.post(
        "/admin/ais/aisupload/add/",
        {"file": SimpleUploadedFile("noaa.csv", body.encode()), "layout": ""},
    )
    assert sent.status_code == 302
    row = AisUpload.objects.get()
    assert row.state == AisUpload.State.QUEUED and row.created_by == "admin"
    assert AuditEvent.objects.filter(action="upload", target=f"ais-upload:{row.pk}").exists()
    assert "noaa.csv: done" in process_queue()
    row.refresh_from_db()
    assert row.state == AisUpload.State.DONE and "1 positions (1 new stored)" in row.summary
    assert at(413500001).sog_kn == 5
    assert process_queue() == "nothing queued"
