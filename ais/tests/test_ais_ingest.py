"""ingest_ais end to end on real PostGIS: values stored, latest positions, static merge,
no duplicates on reload, bad input counted and skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command

from core.database import db_conninfo

from ..models import AisSource, Vessel, VesselLatest, VesselPosition

FIXTURE = Path(__file__).parent / "fixtures" / "ais_sample.nmea"
pytestmark = pytest.mark.usefixtures("ais_tables")


def ingest(*args: str) -> str:
    out = StringIO()
    call_command("ingest_ais", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_fixture_is_stored_with_its_values(tmp_path):
    out = ingest(str(FIXTURE), "--spill-dir", str(tmp_path))
    assert "24 lines" in out and "10 positions (10 new stored)" in out
    assert "bad_checksum=1" in out and "incomplete=1" in out
    p = VesselPosition.objects.get(mmsi=413000001)
    assert p.ts == datetime.fromtimestamp(1_764_115_200, UTC)
    assert (p.geom.x, p.geom.y, p.geom.srid) == pytest.approx((108.5712, 21.6421, 4326))
    assert (p.sog_kn, p.cog_deg, p.heading_deg, p.source) == pytest.approx(
        (12.3, 201.5, 202, "QZ-BASE")
    )
    na = VesselPosition.objects.get(mmsi=413000004)
    assert na.sog_kn is None and na.cog_deg is None and na.heading_deg is None
    assert not VesselPosition.objects.filter(mmsi=413000003).exists()  # lon 181 / lat 91


def test_static_data_is_merged_into_vessels(tmp_path):
    ingest(str(FIXTURE), "--spill-dir", str(tmp_path))
    v = Vessel.objects.get(mmsi=413000001)
    assert (v.name, v.callsign, v.imo, v.ship_type, v.ais_class) == (
        "BEIBU PIONEER",
        "BQZA",
        9811001,
        70,
        "A",
    )
    assert (v.length_m, v.beam_m, v.draught_m, v.destination) == (250, 32, 11.5, "QINZHOU")
    b = Vessel.objects.get(mmsi=271041815)  # type 24 parts A and B
    assert (b.name, b.callsign, b.ship_type, b.length_m, b.beam_m, b.ais_class) == (
        "PROGUY",
        "TC6163",
        37,
        15,
        4,
        "B",
    )


def test_latest_position_is_the_newest(tmp_path):
    ingest(str(FIXTURE), "--spill-dir", str(tmp_path))
    latest = VesselLatest.objects.get(vessel_id=413000002)
    assert latest.nav_status == 1 and (latest.geom.x, latest.geom.y) == pytest.approx(
        (108.62, 21.52)
    )
    assert VesselLatest.objects.count() == VesselPosition.objects.values("mmsi").distinct().count()
    sources = {s.name: s.positions for s in AisSource.objects.all()}
    assert sources["QZ-BASE"] >= 3 and sources["BH-BASE"] == 1


def test_loading_twice_stores_nothing_twice(tmp_path):
    ingest(str(FIXTURE), "--spill-dir", str(tmp_path))
    again = ingest(str(FIXTURE), "--spill-dir", str(tmp_path))
    assert "skipped: the same content was loaded" in again
    forced = ingest(str(FIXTURE), "--spill-dir", str(tmp_path), "--force")
    assert "10 positions (0 new stored)" in forced
    assert VesselPosition.objects.count() == 10


def test_gzip_and_parallel_workers_give_the_same_result(tmp_path):
    """A big file is split between worker processes; the result equals one reader's."""
    import gzip

    from ais.ingest import pipeline

    from ..demo.simulator import Simulator, load_lanes

    data = Path(__file__).resolve().parents[2] / "data" / "gis" / "sea_lanes.geojson"
    sim = Simulator(load_lanes(data), seed=5)
    plan = sim.plan(1_764_115_200.0, 3600, initial=40)
    text = "".join(
        f"{line}\n" for _, line in sim.sentences(plan, 1_764_115_200.0, 1_764_115_200.0 + 2 * 3600)
    )
    plain = tmp_path / "feed.nmea"
    plain.write_text(text)
    packed = tmp_path / "feed.nmea.gz"
    packed.write_bytes(gzip.compress(text.encode()))

    ingest(str(packed), "--spill-dir", str(tmp_path / "s1"))
    one = set(VesselPosition.objects.values_list("mmsi", "ts"))
    # Emptied outside the test's transaction: its row locks would block the writers.
    with psycopg.connect(db_conninfo(), autocommit=True) as conn:
        conn.execute("DELETE FROM ports_vesselposition")
    small = pipeline.PARALLEL_MIN_BYTES
    pipeline.PARALLEL_MIN_BYTES = 0
    try:
        out = ingest(str(plain), "--spill-dir", str(tmp_path / "s2"), "--workers", "3")
    finally:
        pipeline.PARALLEL_MIN_BYTES = small
    assert set(VesselPosition.objects.values_list("mmsi", "ts")) == one
    assert f"{len(one):,} new stored" in out


def test_unknown_source_is_an_error(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no such file"):
        ingest(str(tmp_path / "missing.nmea"), "--spill-dir", str(tmp_path))
