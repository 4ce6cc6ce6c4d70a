"""Layer parsers: real seed files parse; bad input names file, row and field (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.ingest.errors import LayerError
from core.ingest.geojson import read_features
from core.ingest.tables import read_rows
from geo.ingest.nodes import NODE_COLUMNS, parse_node_services, parse_nodes

DATA = Path(__file__).resolve().parents[2] / "data" / "gis"


def write_nodes(tmp_path: Path, rows: list[dict[str, str]], columns=NODE_COLUMNS) -> Path:
    import csv

    path = tmp_path / "nodes.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_row(**changes: str) -> dict[str, str]:
    row = {c: "" for c in NODE_COLUMNS}
    row.update(
        code="QZ_PORT",
        name_en="Qinzhou Port",
        name_zh="钦州港",
        kinds="sea_port",
        lon="108.58",
        lat="21.73",
        coord_quality="approximate",
        country="CN",
        unlocode="CNQZH",
    )
    row.update(changes)
    return row


def test_seed_nodes_parse_with_values():
    nodes = {n.code: n for n in parse_nodes(DATA / "nodes.csv")}
    assert len([n for n in nodes.values() if n.kinds != ("port_group",)]) >= 51
    qz = nodes["QZ_PORT"]
    assert (qz.lon, qz.lat) == (108.58, 21.73)
    assert qz.kinds == ("sea_port",) and qz.unlocode == "CNQZH" and qz.group == "BBG"
    assert nodes["CQ_GY"].kinds == ("river_port", "rail_terminal")
    assert nodes["CQ_GY"].coord_quality == "proxy"
    assert nodes["HN"].country == "VN"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"lat": "95"}, "lat", "out of range"),
        ({"lon": "east"}, "lon", "not a number"),
        ({"lon": "nan"}, "lon", "not a finite number"),
        ({"kinds": "airport"}, "kinds", "not one of"),
        ({"coord_quality": "great"}, "coord_quality", "not one of"),
        ({"unlocode": "QZ"}, "unlocode", "not a UN/LOCODE"),
        ({"name_zh": ""}, "name_zh", "required"),
        ({"code": "qz port"}, "code", "not a node code"),
    ],
)
def test_bad_node_rows_name_file_row_and_field(tmp_path, changes, field, text):
    path = write_nodes(tmp_path, [good_row(code="A1"), good_row(**changes)])
    with pytest.raises(LayerError) as err:
        list(parse_nodes(path))
    assert (err.value.path, err.value.row, err.value.field) == ("nodes.csv", 3, field)
    assert text in str(err.value) and "nodes.csv, row 3" in str(err.value)


def test_wrong_columns_are_rejected_before_any_row(tmp_path):
    columns = [c for c in NODE_COLUMNS if c != "lat"] + ["latitude"]
    path = write_nodes(tmp_path, [], columns=columns)
    with pytest.raises(LayerError, match=r"missing columns \['lat'\]; unexpected columns") as err:
        list(parse_nodes(path))
    assert err.value.row == 1


def test_duplicate_code_is_rejected(tmp_path):
    path = write_nodes(tmp_path, [good_row(), good_row()])
    with pytest.raises(LayerError, match="appears twice"):
        list(parse_nodes(path))


def test_ragged_and_non_utf8_csv(tmp_path):
    ragged = tmp_path / "t.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(LayerError, match="row 3: more values than columns"):
        list(read_rows(ragged, ["a", "b"]))
    latin = tmp_path / "l.csv"
    latin.write_bytes("a,b\n\xe9,1\n".encode("latin-1"))
    with pytest.raises(LayerError, match="not UTF-8"):
        list(read_rows(latin, ["a", "b"]))


def test_node_services_reject_bad_level_and_url(tmp_path):
    path = tmp_path / "node_services.csv"
    path.write_text(
        "node,category,level,since_year,evidence_url,note\nQZ_PORT,five_g,partial,2020,ftp://x,\n"
    )
    with pytest.raises(LayerError) as err:
        list(parse_node_services(path))
    assert err.value.field == "evidence_url"
    path.write_text(
        "node,category,level,since_year,evidence_url,note\nQZ_PORT,five_g,great,2020,,\n"
    )
    with pytest.raises(LayerError, match="'great' is not one of"):
        list(parse_node_services(path))


def geojson(tmp_path: Path, geometry: dict) -> Path:
    path = tmp_path / "layer.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [1, 1]},
                    },
                    {"type": "Feature", "properties": {"name": "x"}, "geometry": geometry},
                ],
            }
        )
    )
    return path


def test_geojson_invalid_geometry_names_the_feature(tmp_path):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(LayerError, match=r"layer.geojson, row 2, field 'geometry': invalid"):
        list(read_features(geojson(tmp_path, bow_tie)))


def test_geojson_out_of_range_and_wrong_type(tmp_path):
    far = {"type": "Point", "coordinates": [200, 10]}
    with pytest.raises(LayerError, match="out of lon/lat range"):
        list(read_features(geojson(tmp_path, far)))
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    with pytest.raises(LayerError, match="LineString is not one of"):
        list(read_features(geojson(tmp_path, line), {"Point"}))
    (tmp_path / "bad.geojson").write_text('{"type": "Feature"}')
    with pytest.raises(LayerError, match="not a GeoJSON FeatureCollection"):
        list(read_features(tmp_path / "bad.geojson"))


def test_basemap_layers_are_valid():
    path = DATA / "basemap" / "land.geojson"
    land = list(read_features(path, {"Polygon", "MultiPolygon"}))
    # Every feature of the file is read (none dropped or refused).
    assert len(land) == len(json.loads(path.read_text())["features"]) > 100


def test_service_evidence_rows_and_the_services_they_support(tmp_path):
    from core.ingest.errors import LayerError
    from geo.ingest.nodes import parse_service_evidence, services_from_evidence

    head = "node_code,category,level,as_of,source_url,quote_or_summary,confidence\n"
    rows = [
        "QZ_PORT,smart_gate,pilot,2019-05,https://a.example/1,first pilot,high",
        "QZ_PORT,smart_gate,operational,2023,https://a.example/2,in service,medium",
        "QZ_PORT,e_payment,operational,2024-01-02,https://a.example/3,a mirror copy,low",
        "CQ,one_bill,operational,2020,https://a.example/4,held already,high",
    ]
    path = tmp_path / "service_evidence.csv"
    path.write_text(head + "\n".join(rows) + "\n")
    evidence = list(parse_service_evidence(path))
    assert [e.year for e in evidence] == [2019, 2023, 2024, 2020]
    made = services_from_evidence(evidence, have={("CQ", "one_bill")})
    # Low confidence makes nothing; held pairs are left to node_services.csv; the latest
    # level, since the earliest confident year.
    assert [(r.node, r.category, r.level, r.since_year) for r in made] == [
        ("QZ_PORT", "smart_gate", "full", 2019)
    ]
    path.write_text(head + "QZ_PORT,smart_gate,pilot,2019-5,https://a.example/1,x,high\n")
    with pytest.raises(LayerError, match="as_of"):
        list(parse_service_evidence(path))
    path.write_text(head + "QZ_PORT,smart_gate,pilot,2019,https://a.example/1,x,sure\n")
    with pytest.raises(LayerError, match="confidence"):
        list(parse_service_evidence(path))
