"""The seed loader: complete, idempotent, and all-or-nothing on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.ingest.errors import LayerError
from corridors.models import Route, RouteSegment
from corridors.services.seed import load_corridor
from geo.models import BasemapFeature, Node, NodeService
from ports.models import ThroughputReport

pytestmark = pytest.mark.django_db


def counts():
    return (
        Node.objects.count(),
        RouteSegment.objects.count(),
        NodeService.objects.count(),
        ThroughputReport.objects.count(),
        BasemapFeature.objects.count(),
    )


def test_seed_is_complete():
    assert Node.objects.mapped().count() >= 51
    assert set(Route.objects.values_list("code", flat=True)) == {
        "E",
        "M",
        "W",
        "SEA",
        "VN-RAIL",
        "LA-RAIL",
        "HK-VN",
        "VN-ROAD",
        "YZ",
        "NW",
    }
    qz = Node.objects.get(code="QZ_PORT")
    assert (qz.name_zh, qz.unlocode, qz.group.code) == ("钦州港", "CNQZH", "BBG")
    assert qz.geom.srid == 4326 and (qz.geom.x, qz.geom.y) == (108.58, 21.73)


def test_second_load_changes_nothing(data_dir):
    before = counts()
    summary = load_corridor(data_dir)
    assert counts() == before
    assert all(c.created == c.updated == c.removed == 0 for c in summary.counts.values())


@pytest.fixture
def bad_dir(tmp_path, data_dir):
    target = tmp_path / "gis"
    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("provenance"))
    return target


def replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "nodes.csv",
            "108.58,21.73",
            "108.58,121.73",
            "nodes.csv, row 22, field 'lat': latitude 121.73 is out of range",
        ),
        (
            "route_segments.csv",
            "E,2,HH,LZH",
            "E,2,HH,XXX",
            "route_segments.csv, row 3, field 'to': unknown node code 'XXX'",
        ),
        (
            "node_services.csv",
            "CQ_XNY,smart_border",
            "CQ_XNY,smart_borders",
            "node_services.csv, row 7, field 'category': unknown category 'smart_borders'",
        ),
        (
            "throughput_published.csv",
            "BBG,teu,year,2021",
            "BBX,teu,year,2021",
            "throughput_published.csv, row 3, field 'node': unknown node code 'BBX'",
        ),
    ],
)
def test_bad_file_is_reported_and_nothing_is_written(bad_dir, file, old, new, message):
    # A valid change elsewhere proves that nothing of the load is written.
    replace_line(bad_dir / "nodes.csv", "Hai Phong Port,", "Haiphong Port,")
    replace_line(bad_dir / file, old, new)
    before = counts()
    with pytest.raises(LayerError) as err:
        load_corridor(bad_dir)
    assert str(err.value).startswith(message)
    assert counts() == before
    assert Node.objects.get(code="HPH_PORT").name_en == "Hai Phong Port"


def test_bad_basemap_geometry_rolls_back_the_whole_load(bad_dir):
    replace_line(bad_dir / "nodes.csv", "Hai Phong Port,", "Haiphong Port,")
    (bad_dir / "basemap" / "lakes.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}'
    )
    with pytest.raises(LayerError, match=r"lakes\.geojson, row 1, field 'geometry'"):
        load_corridor(bad_dir)
    assert Node.objects.get(code="HPH_PORT").name_en == "Hai Phong Port"


def test_command_reports_the_error(bad_dir):
    replace_line(bad_dir / "nodes.csv", "108.58,21.73", "abc,21.73")
    with pytest.raises(CommandError, match=r"nothing was loaded: nodes\.csv, row 22, field 'lon'"):
        call_command("load_corridor", data_dir=bad_dir)
