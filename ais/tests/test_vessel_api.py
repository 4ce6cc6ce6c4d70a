"""Vessel API: latest positions (GeoJSON, filters), static data, tracks, ingest stats."""

from __future__ import annotations

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

FIXTURE = Path(__file__).parent / "fixtures" / "ais_sample.nmea"
pytestmark = pytest.mark.usefixtures("ais_tables")


@pytest.fixture
def api(tmp_path, login_as):
    # Lines without a time of their own take the file's modification time: pin it (a fresh
    # checkout would make them "just seen").
    feed = tmp_path / "sample.nmea"
    shutil.copy(FIXTURE, feed)
    os.utime(feed, (1_764_115_200, 1_764_115_200))
    call_command(
        "ingest_ais",
        str(feed),
        "--spill-dir",
        str(tmp_path / "spill"),
        "--no-progress",
        stdout=StringIO(),
    )

    return login_as(APIClient(), "analyst")


def test_vessels_are_geojson_with_static_data(api):
    body = api.get("/api/vessels/").json()
    assert body["type"] == "FeatureCollection" and body["count"] == 10
    by_mmsi = {f["properties"]["mmsi"]: f for f in body["features"]}
    first = by_mmsi[413000001]
    assert first["geometry"]["coordinates"] == pytest.approx([108.5712, 21.6421])
    props = first["properties"]
    assert (props["name"], props["ship_type_group"], props["sog_kn"], props["source"]) == (
        "BEIBU PIONEER",
        "cargo",
        12.3,
        "QZ-BASE",
    )


def test_vessel_filters(api):
    def mmsis(**params):
        return {
            f["properties"]["mmsi"] for f in api.get("/api/vessels/", params).json()["features"]
        }

    assert mmsis(ship_type="tanker") == {413000002}
    assert mmsis(bbox="108.3,21.3,108.7,21.8") >= {413000001, 413000002, 413000008}
    assert 366053209 not in mmsis(bbox="108.3,21.3,108.7,21.8")
    assert mmsis(seen_within=5) == set()  # every report is from November 2025
    assert api.get("/api/vessels/", {"ship_type": "spaceship"}).status_code == 400


def test_vessel_detail_and_track(api):
    detail = api.get("/api/vessels/413000001/").json()
    assert (detail["imo"], detail["callsign"], detail["length_m"], detail["destination"]) == (
        9811001,
        "BQZA",
        250,
        "QINZHOU",
    )
    track = api.get(
        "/api/vessels/413000001/track/",
        {"start": "2025-11-25T00:00:00Z", "end": "2025-11-27T00:00:00Z"},
    ).json()
    [point] = track["features"]  # one position: no line, one point
    assert point["geometry"]["coordinates"] == pytest.approx([108.5712, 21.6421])
    assert point["properties"]["sog_kn"] == 12.3
    assert api.get("/api/vessels/999999999/").status_code == 404
    bad = api.get("/api/vessels/413000001/track/", {"start": "yesterday"})
    assert bad.status_code == 400


def test_ais_stats(api):
    stats = api.get("/api/ais/stats/").json()
    assert stats["vessels"] == 10 and stats["positions_total"] == 10
    names = {s["name"] for s in stats["sources"]}
    assert {"QZ-BASE", "BH-BASE", "FCG-BASE", "SAT-1"} <= names
