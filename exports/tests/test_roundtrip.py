"""Every layer in every format, read back with GDAL (pyogrio): feature count, CRS, field
types, geometries within 1e-7 degrees, Chinese names intact."""

import json
from datetime import timedelta

import geopandas
import numpy as np
import pandas
import pyarrow.parquet as pq
import pyogrio
import pyogrio.raw
import pyproj
import pytest
import shapely
from django.utils import timezone

from exports.services.layers import LAYERS, ExportParams
from exports.services.writer import FORMATS, shapefile_names, write_layer
from geo.models import Node
from rail.ingest.events import parse_objects
from rail.services.ingest import store_events
from tests.factories import make_call, make_positions, make_vessel

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def traffic(ais_tables):
    qz = Node.objects.get(code="QZ_PORT")
    ship = make_vessel(name="远洋 一号", ship_type=70, length_m=200)
    start = NOW - timedelta(hours=2)
    make_positions(ship.mmsi, [(108.6 + i * 0.001, 21.7, 5.0) for i in range(30)], start)
    from django.contrib.gis.geos import Point

    from ais.models import VesselLatest

    VesselLatest.objects.create(
        vessel=ship, ts=NOW, geom=Point(108.63, 21.7, srid=4326), msg_type=1
    )
    make_call(qz, ship, start, departure_at=NOW - timedelta(minutes=10), anchorage_wait_s=3600)
    base = {"route": "E", "origin": "CQ_TJC", "destination": "QZ_EAST", "train": "X9EXP"}
    day = NOW.date().isoformat()
    events, _ = parse_objects(
        [
            {
                **base,
                "service_date": day,
                "location": "CQ_TJC",
                "event": "departure",
                "classifier": "actual",
                "actual": (NOW - timedelta(hours=1)).isoformat(),
                "booked": (NOW - timedelta(hours=1)).isoformat(),
                "teu": 80,
            },
        ]
    )
    store_events(events)
    return ship


def params_for(layer):
    if layer in ("positions", "tracks", "port_calls", "trains"):
        return ExportParams(start=NOW - timedelta(days=1), end=NOW + timedelta(minutes=1))
    return ExportParams()


def source_rows(spec, params, srid=4326, language="zh-hans"):
    wkb, values = [], {}
    for chunk in spec.rows(params, srid, language):
        wkb += chunk.wkb
        for k, v in chunk.values.items():
            values.setdefault(k, []).extend(v)
    return wkb, values


def read_back(path, fmt, layer):
    if fmt == "parquet":
        return read_geoparquet(path)
    target = f"/vsizip/{path}/{layer}.shp" if fmt == "shp" else str(path)
    options = {"HEADERS": "FORCE"} if fmt == "xlsx" else {}  # all-text rows: say there is one
    info = pyogrio.read_info(target, **options)
    meta, _fids, geometry, fields = pyogrio.raw.read(target, **options)
    return info, meta, geometry, dict(zip(meta["fields"], fields, strict=True))


def single(geom):
    """A one-part multi-geometry as its part."""
    if geom is not None and geom.geom_type.startswith("Multi") and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom


def read_geoparquet(path):
    """info, meta, geometry, fields of a GeoParquet file as pyarrow reads it (no GDAL)."""
    table = pq.read_table(path)
    geo = json.loads((table.schema.metadata or {}).get(b"geo", b"null"))
    names = [n for n in table.column_names if n != "geometry"]
    geometry = (
        np.array(table.column("geometry").to_pylist(), dtype=object)
        if "geometry" in table.column_names
        else None
    )
    fields = {n: table.column(n).to_numpy(zero_copy_only=False) for n in names}
    column = (geo or {}).get("columns", {}).get("geometry", {})
    crs = None if geo is None else ("EPSG:4326" if "crs" not in column else "other")
    info = {"features": table.num_rows, "dtypes": [str(fields[n].dtype) for n in names], "crs": crs}
    return info, {"fields": names, "crs": crs}, geometry, fields


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_layer_round_trips(traffic, tmp_path, layer, fmt):
    spec = LAYERS[layer]
    params = params_for(layer)
    wkb, values = source_rows(spec, params)
    assert wkb, f"{layer}: the test data gives no rows"
    out = tmp_path / f"{layer}{FORMATS[fmt][1]}"
    rows = write_layer(spec, spec.rows(params, 4326, "zh-hans"), fmt, 4326, out)
    assert rows == len(wkb)
    info, meta, geometry, fields = read_back(out, fmt, layer)
    assert info["features"] == len(wkb)
    names = shapefile_names(n for n, _ in spec.fields) if fmt == "shp" else {}
    if fmt in ("gpkg", "shp", "geojson", "kml", "fgb", "parquet") and spec.geometry:
        assert "4326" in (meta["crs"] or "") or "WGS 84" in (info.get("crs") or "")
        source = shapely.from_wkb(np.array(wkb, dtype=object))
        back = shapely.from_wkb(geometry)
        if fmt in ("shp", "kml"):  # neither tells a one-part multi-polygon from a polygon
            source = np.array([single(g) for g in source], dtype=object)
            back = np.array([single(g) for g in back], dtype=object)
        if fmt == "fgb":  # its spatial index orders the features along a Hilbert curve
            source = np.array(sorted(source, key=shapely.to_wkb), dtype=object)
            back = np.array(sorted(back, key=shapely.to_wkb), dtype=object)
        # Normalised: a Shapefile stores rings clockwise, the database anticlockwise.
        assert all(
            shapely.equals_exact(
                shapely.normalize(a), shapely.normalize(shapely.force_2d(b)), tolerance=1e-7
            )
            for a, b in zip(source, back, strict=True)
        ), f"{layer}.{fmt}: geometries moved"
    if fmt == "csv" and spec.geometry:
        back = shapely.from_wkt(fields["WKT"].astype(str))
        source = shapely.from_wkb(np.array(wkb, dtype=object))
        assert all(
            shapely.equals_exact(a, b, tolerance=1e-7) for a, b in zip(source, back, strict=True)
        )
    if fmt == "xlsx" and spec.geometry:
        back = shapely.from_wkt(fields["wkt"].astype(str))
        source = shapely.from_wkb(np.array(wkb, dtype=object))
        assert all(
            shapely.equals_exact(a, b, tolerance=1e-7) for a, b in zip(source, back, strict=True)
        )
    # Chinese text survives (names, in the user's language).
    label = "Name" if fmt == "kml" else names.get("name", "name")
    if "name" in values and any(
        any("\u4e00" <= ch <= "\u9fff" for ch in str(v)) for v in values["name"]
    ):
        got = {str(v) for v in fields[label]}
        assert {str(v) for v in values["name"] if v} <= got, f"{layer}.{fmt}: names changed"
    # Field types: date-times are date-times where the format has them, ISO text where not.
    types = dict(zip(meta["fields"], info["dtypes"], strict=True))
    for name, kind in spec.fields:
        key = names.get(name, name)
        if fmt == "xlsx" and kind == "datetime":
            key = f"{name} (UTC)"
        if fmt == "kml" and name == spec.label_field:
            key = "Name"
        if key not in types or all(v is None for v in values.get(name, [None])):
            continue  # GeoJSON infers a type from the values: none to infer from
        if kind == "datetime" and fmt in ("gpkg", "geojson", "xlsx", "fgb", "parquet"):
            assert types[key].startswith("datetime64"), (layer, fmt, key, types[key])
        if kind == "datetime" and fmt == "shp":
            assert types[key] == "object"
        if kind == "int" and fmt in ("gpkg", "shp", "geojson", "fgb"):
            assert types[key].startswith("int"), (layer, fmt, key, types[key])
        if kind == "float" and fmt in ("gpkg", "shp", "geojson", "fgb", "parquet"):
            assert types[key].startswith("float"), (layer, fmt, key, types[key])


def test_gpkg_datetimes_are_utc_with_z_and_the_layer_says_its_source(traffic, tmp_path):
    spec = LAYERS["port_calls"]
    out = tmp_path / "calls.gpkg"
    write_layer(spec, spec.rows(params_for("port_calls"), 4326), "gpkg", 4326, out)
    import sqlite3

    with sqlite3.connect(out) as db:
        (arrival,) = db.execute("SELECT arrival_at FROM port_calls").fetchone()
        (description,) = db.execute(
            "SELECT description FROM gpkg_contents WHERE table_name = 'port_calls'"
        ).fetchone()
    assert arrival.endswith("Z")
    assert "Corridor Watch" in description


def test_shapefile_zip_has_cpg_prj_field_map_and_readme(traffic, tmp_path):
    import zipfile

    spec = LAYERS["throughput"]
    out = tmp_path / "t.zip"
    write_layer(spec, spec.rows(ExportParams(), 4326), "shp", 4326, out)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"throughput.cpg", "throughput.prj", "fields.csv", "README.txt"} <= names
        assert zf.read("throughput.cpg").strip() == b"UTF-8"
        mapping = zf.read("fields.csv").decode()
        assert "reporting_,reporting_entity" in mapping  # cut to 10 characters, mapped back


def test_shapefile_names_are_cut_the_same_way_and_stay_unique():
    names = shapefile_names(["berth_start_at", "berth_end_at", "berth_start_x", "a"])
    assert names == {
        "berth_start_at": "berth_star",
        "berth_end_at": "berth_end_",
        "berth_start_x": "berth_st_1",
        "a": "a",
    }


def test_csv_has_a_bom_and_formulas_are_defused(traffic, tmp_path):
    from ais.models import Vessel

    Vessel.objects.filter(pk=traffic.pk).update(name="=HYPERLINK(1)")
    spec = LAYERS["latest_positions"]
    out = tmp_path / "v.csv"
    write_layer(spec, spec.rows(ExportParams(), 4326), "csv", 4326, out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"'=HYPERLINK(1)" in data and b",=HYPERLINK" not in data


def test_kml_styles_use_kml_colour_order(tmp_path):
    spec = LAYERS["segments"]
    out = tmp_path / "s.kml"
    write_layer(spec, spec.rows(ExportParams(route="E"), 4326), "kml", 4326, out)
    text = out.read_text()
    # Rail #c0392b is written aabbggrr: ff2b39c0.
    assert "<color>ff2b39c0</color>" in text


@pytest.mark.parametrize("srid", [4490, 3857])
def test_other_crs_on_request(tmp_path, srid):
    spec = LAYERS["nodes"]
    out = tmp_path / f"n{srid}.gpkg"
    write_layer(spec, spec.rows(ExportParams(node="QZ_PORT"), srid), "gpkg", srid, out)
    info = pyogrio.read_info(out)
    assert info["crs"] == f"EPSG:{srid}"
    _meta, _f, geometry, _fields = pyogrio.raw.read(out)
    point = shapely.from_wkb(geometry[0])
    qz = Node.objects.get(code="QZ_PORT").geom
    if srid == 3857:
        assert abs(point.x - qz.x * 111319.49) < 1  # metres east of Greenwich
    else:
        assert abs(point.x - qz.x) < 1e-6 and abs(point.y - qz.y) < 1e-6


@pytest.mark.parametrize(
    "name", ["EVIL]]>SHIP", "A]]><Placemark>x</Placemark>", "a]]]]>b", "x<![CDATA[y]]>z", "x\x01y"]
)
def test_kml_text_cannot_break_out_of_its_cdata(traffic, tmp_path, name):
    """Review finding (Medium): a ship name holding `]]>` ended libkml's CDATA section and
    the rest was read as XML. The file must parse and give the name back exactly (a
    control character, which XML cannot hold, shown as U+FFFD)."""
    import xml.etree.ElementTree as ET

    from ais.models import Vessel

    Vessel.objects.filter(pk=traffic.pk).update(name=name)
    spec = LAYERS["latest_positions"]
    out = tmp_path / "v.kml"
    write_layer(spec, spec.rows(ExportParams(), 4326), "kml", 4326, out)
    root = ET.parse(out).getroot()  # raises on an invalid file
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    names = [e.text for e in root.iterfind(".//k:Placemark/k:name", ns)]
    assert names == [name.replace("\x01", "\ufffd")]
    assert len(root.findall(".//k:Placemark", ns)) == 1


@pytest.mark.parametrize("layer", ["nodes", "positions", "port_calls", "segments", "trains"])
def test_geoparquet_and_flatgeobuf_equal_the_geopackage_feature_by_feature(
    traffic, tmp_path, layer
):
    """Issue 24 (3): GeoParquet read by geopandas (pyarrow) and FlatGeobuf read by GDAL hold
    what the GeoPackage holds, row by row, value by value."""
    spec = LAYERS[layer]
    params = params_for(layer)
    files = {}
    for fmt in ("gpkg", "fgb", "parquet"):
        files[fmt] = tmp_path / f"{layer}{FORMATS[fmt][1]}"
        write_layer(spec, spec.rows(params, 4326, "en"), fmt, 4326, files[fmt])
    reference = pyogrio.read_dataframe(files["gpkg"])
    flat = pyogrio.read_dataframe(files["fgb"])
    parquet = geopandas.read_parquet(files["parquet"])
    assert len(reference) > 0
    assert parquet.crs == pyproj.CRS("OGC:CRS84") and flat.crs.to_epsg() == 4326  # lon/lat
    # FlatGeobuf's spatial index orders features along a Hilbert curve: compared by key.
    order = [c for c in reference.columns if c != "geometry"]
    reference, flat, parquet = (
        frame.assign(_wkb=frame.geometry.to_wkb())
        .sort_values([*order, "_wkb"], na_position="first", kind="stable")
        .drop(columns="_wkb")
        .reset_index(drop=True)
        for frame in (reference, flat, parquet)
    )
    meta = json.loads(pq.read_schema(files["parquet"]).metadata[b"geo"])
    assert meta["version"] == "1.1.0" and meta["columns"]["geometry"]["encoding"] == "WKB"
    assert meta["columns"]["geometry"]["geometry_types"] == [spec.geometry]
    for other in (flat, parquet):
        assert list(other.columns) == list(reference.columns)
        assert len(other) == len(reference)
        for name in reference.columns:
            if name == "geometry":
                assert all(
                    shapely.equals_exact(a, b, tolerance=1e-9)
                    for a, b in zip(reference.geometry, other.geometry, strict=True)
                )
                continue
            mine, theirs = reference[name], other[name]
            if str(mine.dtype).startswith("datetime64"):  # GDAL: an all-empty column is naive
                mine, theirs = (pandas.to_datetime(c, utc=True) for c in (mine, theirs))
            assert mine.tolist() == theirs.tolist() or (
                mine.isna().tolist() == theirs.isna().tolist()
                and mine.dropna().tolist() == theirs.dropna().tolist()
            ), (layer, name, mine.tolist()[:3], theirs.tolist()[:3])
