"""OGC API - Features (issue 24, item 1) over real HTTP with real clients: GDAL's OAPIF
driver (pyogrio), OWSLib's Features client, and every JSON document against the standard's
schemas (no package ships them: transcribed in tests/ogc_schemas.py)."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pyogrio
import pytest
import requests
import shapely

pytestmark = pytest.mark.django_db

ANALYST = "analyst"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.fixture
def token(in_own_connection):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    def make():
        user = get_user_model().objects.get(username=ANALYST)
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key

    key = in_own_connection(make)
    yield key
    in_own_connection(lambda: Token.objects.filter(key=key).delete())


@pytest.fixture
def ships(in_own_connection, empty_ais_tables):
    """Two vessels' positions near Qinzhou over the last hours, committed for the server."""
    from tests.factories import make_positions, make_vessel

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)

    def make():
        from django.contrib.gis.geos import Point

        from ais.models import VesselLatest

        for n in range(2):
            ship = make_vessel(mmsi=413700001 + n, name=f"QINZHOU {n}")
            make_positions(
                ship.mmsi, [(108.60 + i * 0.002, 21.70 + n * 0.01, 6.0) for i in range(30)], start
            )
            # and its newest report, as the ingester keeps it
            VesselLatest.objects.create(
                vessel=ship,
                ts=start + timedelta(minutes=29),
                geom=Point(108.60 + 29 * 0.002, 21.70 + n * 0.01, srid=4326),
                sog_kn=6.0,
                msg_type=1,
                source="TEST",
            )

    in_own_connection(make)
    yield start
    empty_ais_tables()


def get(live_app, path, token=None, **params):
    headers = {"Authorization": f"Token {token}"} if token else {}
    return requests.get(f"{live_app}/ogc/{path}", params=params, headers=headers, timeout=30)


def rest_nodes(live_app: str, token: str) -> int:
    """How many nodes the REST API lists."""
    answer = requests.get(
        f"{live_app}/api/nodes/",
        headers={"Authorization": f"Token {token}"},
        params={"limit": 1},
        timeout=30,
    )
    return answer.json()["count"]


def test_landing_conformance_and_collections_carry_what_the_standard_requires(live_app, token):
    landing = get(live_app, "").json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert all(link["href"].startswith("http") for link in landing["links"])
    conf = get(live_app, "conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf
    api = requests.get(rels["service-desc"]["href"], timeout=30)
    assert api.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert api.json()["openapi"].startswith("3.0")
    # Anonymous: no collection (the deployment keeps its layers closed); the analyst: all.
    assert get(live_app, "collections").json()["collections"] == []
    assert get(live_app, "collections/nodes/items").status_code == 404
    collections = get(live_app, "collections", token).json()["collections"]
    ids = {c["id"] for c in collections}
    assert {"nodes", "routes", "segments", "port_calls", "positions", "trains"} <= ids
    for c in collections:
        assert c["itemType"] == "feature" and c["title"]
        assert len(c["extent"]["spatial"]["bbox"][0]) == 4
        assert EPSG4490 in c["crs"]
        assert any(
            link["rel"] == "items" and link["type"] == "application/geo+json" for link in c["links"]
        )
    html = get(live_app, "collections", token, f="html")
    assert html.headers["Content-Type"].startswith("text/html") and "nodes" in html.text


def test_every_document_validates_against_the_standards_schemas(live_app, token, ships):
    """The landing page, conformance, collections, each collection, a page of each one's
    items, one item of each, and a refusal: each against its schema in the standard."""
    from tests.ogc_schemas import check

    def valid(path: str, kind: str, **params) -> dict:
        answer = get(live_app, path, token, **params)
        doc = answer.json()
        assert check(doc, kind) == [], (path, check(doc, kind))
        return doc

    valid("", "landingPage")
    valid("conformance", "confClasses")
    collections = valid("collections", "collections")["collections"]
    assert collections
    from jsonschema import Draft202012Validator

    for c in collections:
        described_c = valid(f"collections/{c['id']}", "collection")
        if c["id"] == "positions":  # its time extent, from the data: the ships' half hour
            first, last = described_c["extent"]["temporal"]["interval"][0]
            assert datetime.fromisoformat(first) <= ships
            assert datetime.fromisoformat(last) == ships + timedelta(minutes=29)
        # the features' schema (`describedby`), asked for as GDAL asks: a JSON Schema whose
        # properties are the queryables
        described = next(lk["href"] for lk in c["links"] if lk["rel"] == "describedby")
        answer = requests.get(described, timeout=30, headers={
            "Authorization": f"Token {token}", "Accept": "application/schema+json"})  # fmt: skip
        assert answer.headers["Content-Type"] == "application/schema+json"
        Draft202012Validator.check_schema(answer.json())
        fields = answer.json()["properties"]["properties"]["properties"]
        assert set(fields) == set(get(live_app, f"collections/{c['id']}/queryables", token).json()[
            "properties"])  # fmt: skip
        page = valid(f"collections/{c['id']}/items", "featureCollectionGeoJSON", limit=3)
        for crs in (EPSG4490, "http://www.opengis.net/def/crs/EPSG/0/3857"):
            valid(f"collections/{c['id']}/items", "featureCollectionGeoJSON", limit=2, crs=crs)
        if page["features"]:
            valid(f"collections/{c['id']}/items/{page['features'][0]['id']}", "featureGeoJSON")
    refusal = get(live_app, "collections/nodes/items", token, limit="x")
    assert refusal.status_code == 400 and check(refusal.json(), "exception") == []
    # and the check itself catches a broken document (a test that can fail)
    assert check({"type": "FeatureCollection", "features": [{"type": "Feature"}]},
                 "featureCollectionGeoJSON")  # fmt: skip


def test_items_page_with_links_counts_bbox_and_property_equality(live_app, token):
    first = get(live_app, "collections/nodes/items", token, limit=20)
    assert first.headers["Content-Type"] == "application/geo+json"
    body = first.json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 20
    assert body["numberMatched"] == rest_nodes(live_app, token)
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = requests.get(nxt, headers={"Authorization": f"Token {token}"}, timeout=30).json()
    assert {f["id"] for f in second["features"]}.isdisjoint({f["id"] for f in body["features"]})
    assert any(link["rel"] == "prev" for link in second["links"])
    boxed = get(live_app, "collections/nodes/items", token, bbox="108.3,21.5,108.8,21.9").json()
    assert "QZ_PORT" in {f["id"] for f in boxed["features"]}
    assert all(108.3 <= f["geometry"]["coordinates"][0] <= 108.8 for f in boxed["features"])
    ports = get(live_app, "collections/nodes/items", token, kind="sea_port").json()
    assert ports["features"] and {f["properties"]["kind"] for f in ports["features"]} == {
        "sea_port"
    }
    # the layers the REST API caches by table version: the same ETag and 304 here
    again = requests.get(
        first.url,
        headers={"Authorization": f"Token {token}", "If-None-Match": first.headers["ETag"]},
        timeout=30,
    )
    assert again.status_code == 304  # (the 200 was compressed: a weak W/ ETag, same tag)
    assert again.headers["ETag"] == first.headers["ETag"].removeprefix("W/")
    assert "ETag" not in get(live_app, "collections/port_calls/items", token).headers
    one = get(live_app, "collections/nodes/items/QZ_PORT", token).json()
    assert one["id"] == "QZ_PORT" and one["properties"]["unlocode"] == "CNQZH"
    assert get(live_app, "collections/nodes/items/NOPE", token).status_code == 404
    for bad in ({"limit": "0"}, {"limit": "10001"}, {"bbox": "1,2,3"}, {"crs": "EPSG:9999"},
                {"datetime": "yesterday"}, {"colour_of_the_sky": "blue"}):  # fmt: skip
        answer = get(live_app, "collections/port_calls/items", token, **bad)
        assert answer.status_code == 400, bad
        assert answer.json()["code"] == "InvalidParameterValue"
    # the layer's own limit (positions: a window of at most 31 days), named as the parameter
    long = get(live_app, "collections/positions/items", token,
               datetime="2025-01-01T00:00:00Z/2026-01-01T00:00:00Z")  # fmt: skip
    assert long.status_code == 400 and long.json()["description"].startswith("datetime: ")


def test_epsg_4490_is_answered_latitude_first_with_its_content_crs(live_app, token):
    from geo.models import Node

    qz = Node.objects.get(code="QZ_PORT").geom
    answer = get(live_app, "collections/nodes/items/QZ_PORT", token, crs=EPSG4490)
    assert answer.headers["Content-Crs"] == f"<{EPSG4490}>"
    lat, lon = answer.json()["geometry"]["coordinates"]
    assert (lat, lon) == pytest.approx((qz.y, qz.x), abs=1e-6)
    plain = get(live_app, "collections/nodes/items/QZ_PORT", token).json()
    assert plain["geometry"]["coordinates"] == pytest.approx([qz.x, qz.y], abs=1e-9)
    # a box in EPSG:4490 is latitude first too
    box = f"{qz.y - 0.01},{qz.x - 0.01},{qz.y + 0.01},{qz.x + 0.01}"
    near = get(
        live_app, "collections/nodes/items", token, bbox=box, **{"bbox-crs": EPSG4490}
    ).json()
    assert "QZ_PORT" in {f["id"] for f in near["features"]}


def gdal(*args: str, token: str, requests_seen: list[str] | None = None) -> str:
    """Debian's GDAL command-line tools (their libcurl reaches the server; the GDAL inside
    the pyogrio wheel is built without network access). `requests_seen` collects the URLs
    GDAL fetched (from its HTTP debug log)."""
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Token {token}"}
    if requests_seen is not None:
        env["CPL_DEBUG"] = "ON"
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    if requests_seen is not None:
        requests_seen += re.findall(r"HTTP: Fetch\((\S+?)\)", done.stderr)
    return done.stdout


def rest_track_points(live_app: str, token: str, mmsi: int, since, until) -> int:
    """How many positions of `mmsi` the REST API's track holds in [since, until]."""
    answer = requests.get(
        f"{live_app}/api/vessels/{mmsi}/track/",
        headers={"Authorization": f"Token {token}"},
        params={"start": since.isoformat(), "end": until.isoformat()},
        timeout=30,
    ).json()
    return sum(f["geometry"]["type"] == "Point" for f in answer["features"])


def test_gdal_reads_every_collection_with_bbox_and_datetime(live_app, token, ships, tmp_path):
    source = f"OAPIF:{live_app}/ogc/"
    listed = gdal("ogrinfo", "-ro", "-q", source, token=token)
    layers = {
        line.split(":", 1)[1].split("(")[0].strip() for line in listed.splitlines() if ":" in line
    }
    collections = get(live_app, "collections", token).json()["collections"]
    assert layers == {c["id"] for c in collections}  # every collection the analyst may read

    def read(layer: str, *options: str):
        out = tmp_path / f"{layer}-{len(options)}.geojson"
        gdal("ogr2ogr", "-f", "GeoJSON", str(out), source, layer, *options, token=token)
        return pyogrio.read_dataframe(out)

    nodes = read("nodes")
    assert len(nodes) == rest_nodes(live_app, token)
    from geo.models import Node

    node = Node.objects.get(code="QZ_PORT").geom
    qz = nodes[nodes["code"] == "QZ_PORT"].geometry.iloc[0]
    assert (qz.x, qz.y) == pytest.approx((node.x, node.y), abs=1e-6)  # GDAL places Qinzhou
    in4490 = tmp_path / "nodes-4490.geojson"
    gdal("ogr2ogr", "-f", "GeoJSON", str(in4490), source, "nodes", "-oo", f"CRS={EPSG4490}",
         "-t_srs", "EPSG:4326", "-where", "code = 'QZ_PORT'", token=token)  # fmt: skip
    again = pyogrio.read_dataframe(in4490).geometry.iloc[0]
    assert (again.x, again.y) == pytest.approx((node.x, node.y), abs=1e-6)

    positions = read("positions", "-spat", "108.5", "21.6", "108.8", "21.8")
    assert len(positions) == 60 and set(positions["mmsi"]) == {413700001, 413700002}
    part = read("positions", "-spat", "108.5", "21.6", "108.8", "21.705")
    assert set(part["mmsi"]) == {413700001}
    since, until = ships - timedelta(minutes=1), ships + timedelta(hours=4)
    window = f"{since.isoformat()}/{until.isoformat()}"
    timed = get(live_app, "collections/positions/items", token, datetime=window, limit=1000).json()
    assert timed["numberMatched"] == 60 == timed["numberReturned"]
    later = f"{(ships + timedelta(minutes=15)).isoformat()}/.."
    assert (
        get(live_app, "collections/positions/items", token, datetime=later).json()["numberMatched"]
        == 30
    )
    # GDAL turns a filter on the time field into the API's `datetime` (its debug log shows
    # the request): the features the server chose, as many as the REST API's tracks hold
    mid, until = ships + timedelta(minutes=10), ships + timedelta(minutes=20)
    fetched: list[str] = []
    out = tmp_path / "positions-timed.geojson"
    where = f"ts >= '{mid:%Y/%m/%d %H:%M:%S}' AND ts <= '{until:%Y/%m/%d %H:%M:%S}'"
    gdal("ogr2ogr", "-f", "GeoJSON", str(out), source, "positions", "-where", where,
         "-spat", "108.5", "21.6", "108.8", "21.8", token=token, requests_seen=fetched)  # fmt: skip
    # (its first request, a page without filters, learns the layer's fields)
    reads = [url for url in fetched if "/collections/positions/items" in url and "bbox=" in url]
    assert reads and all("datetime=" in url for url in reads), fetched
    timed = pyogrio.read_dataframe(out)
    rest = sum(rest_track_points(live_app, token, 413700001 + n, mid, until) for n in range(2))
    assert len(timed) == rest == 22  # minutes 10 to 20 of both vessels, ends included


def test_owslib_pages_through_a_layer(live_app, token):
    from owslib.ogcapi.features import Features

    api = Features(f"{live_app}/ogc/", headers={"Authorization": f"Token {token}"})
    assert "nodes" in {c["id"] for c in api.collections()["collections"]}
    first = api.collection_items("nodes", limit=25)
    assert first["numberReturned"] == 25
    seen = [f["id"] for f in first["features"]]
    offset = 25
    while True:
        page = api.collection_items("nodes", limit=25, offset=offset)
        seen += [f["id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 25
    assert len(seen) == len(set(seen)) == first["numberMatched"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in first["features"]]
    assert all(s.geom_type == "Point" for s in shapes)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(body: bytes, layer: str, z: int, x: int, y: int, tmp_path):
    """A tile read by GDAL's MVT driver (a vector-tile reader), placed by its z/x/y."""
    path = tmp_path / f"{layer}-{z}-{x}-{y}.pbf"
    path.write_bytes(body)
    return pyogrio.read_dataframe(path, layer=layer, X=x, Y=y, Z=z).to_crs(4326)


def test_vector_tiles_hold_the_features_of_their_tile(live_app, token, ships, tmp_path):
    since, until = ships - timedelta(minutes=1), ships + timedelta(hours=1)
    window = f"{since.isoformat()}/{until.isoformat()}"
    tileset = get(
        live_app, "collections/positions/tiles/WebMercatorQuad", token, datetime=window
    ).json()
    assert tileset["tilejson"] == "3.0.0" and tileset["vector_layers"][0]["id"] == "positions"
    assert "{z}/{y}/{x}" in tileset["tiles"][0] and "datetime=" in tileset["tiles"][0]
    z, x, y = tile_of(108.63, 21.705, 13)
    answer = get(
        live_app, f"collections/positions/tiles/WebMercatorQuad/{z}/{y}/{x}", token, datetime=window
    )
    assert answer.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    points = decode(answer.content, "positions", z, x, y, tmp_path)
    from ogc.tiles import Tile

    west, south, east, north = Tile(z, x, y).bounds()  # with the tile's buffer
    inside = [
        (413700001 + n, round(108.60 + i * 0.002, 6))
        for n in range(2)
        for i in range(30)
        if west <= 108.60 + i * 0.002 <= east and south <= 21.70 + n * 0.01 <= north
    ]
    assert 0 < len(inside) < 60  # the tile cuts the lines: a real test of its edges
    got = sorted((m, round(p.x, 6)) for m, p in zip(points["mmsi"], points.geometry, strict=True))
    inside.sort()
    assert [m for m, _ in got] == [m for m, _ in inside]
    assert [lon for _, lon in got] == pytest.approx([lon for _, lon in inside], abs=2e-5)
    # a low zoom: the density grid of the same positions, every one counted once
    z, x, y = tile_of(108.63, 21.705, 7)
    dense = get(
        live_app, f"collections/positions/tiles/WebMercatorQuad/{z}/{y}/{x}", token, datetime=window
    )
    cells = decode(dense.content, "positions", z, x, y, tmp_path)
    assert cells["positions"].sum() == 60 and cells["vessels"].max() == 2
    assert set(cells.geometry.geom_type) == {"Polygon"}
    track_tile = f"collections/tracks/tiles/WebMercatorQuad/{z}/{y}/{x}"
    body = get(live_app, track_tile, token, datetime=window).content
    lines = decode(body, "tracks", z, x, y, tmp_path)
    assert sorted(lines["mmsi"]) == [413700001, 413700002] and set(lines["positions"]) == {30}
    # the corridor's nodes, cached per table version (an ETag, then a 304)
    z, x, y = tile_of(108.6, 21.7, 8)
    first = get(live_app, f"collections/nodes/tiles/WebMercatorQuad/{z}/{y}/{x}", token)
    assert "QZ_PORT" in set(decode(first.content, "nodes", z, x, y, tmp_path)["code"])
    again = requests.get(
        first.url,
        headers={"Authorization": f"Token {token}", "If-None-Match": first.headers["ETag"]},
        timeout=30,
    )
    assert again.status_code == 304
    # refusals: a week at most, a tile of the quad tree, a tiled layer
    assert get(live_app, "collections/positions/tiles/WebMercatorQuad/7/1/1", token,
               datetime="2026-01-01T00:00:00Z/2026-02-01T00:00:00Z").status_code == 400  # fmt: skip
    assert get(live_app, "collections/nodes/tiles/WebMercatorQuad/3/9/1", token).status_code == 404
    assert get(live_app, "collections/throughput/tiles", token).status_code == 404
    assert get(live_app, "collections/positions/tiles/WebMercatorQuad/7/1/1").status_code == 404


def test_gdal_reads_every_collection_as_many_features_as_the_api_says(
    live_app, token, ships, tmp_path
):
    """Every collection the analyst may read, copied by GDAL (paging as it goes) with a bbox,
    and a time window where it has time, both sent to the server: as many features as the
    API's `numberMatched` for the same filters; the map's layers as many as the REST API
    lists."""
    source = f"OAPIF:{live_app}/ogc/"
    collections = [c["id"] for c in get(live_app, "collections", token).json()["collections"]]
    rest = {
        "nodes": "/api/nodes/",
        "routes": "/api/routes/",
        "segments": "/api/route-segments/",
        "geofences": "/api/geofences/",
    }
    from ogc.collections import COLLECTIONS

    box = (90.0, -2.0, 125.0, 42.0)  # the corridor's box: bbox sent for every collection
    since, until = ships - timedelta(days=20), ships + timedelta(hours=6)  # (positions: 31 d)
    for cid in collections:
        out = tmp_path / f"{cid}.geojson"
        fetched: list[str] = []
        options = ["-spat", *map(str, box)]
        params = {"bbox": ",".join(map(str, box))}
        time_field = COLLECTIONS[cid].time
        # and a time window on the collections with time (GDAL knows the time field's type
        # from the `describedby` schema, even when the layer has no feature yet)
        if time_field:
            options += ["-where", f"{time_field} >= '{since:%Y/%m/%d %H:%M:%S}' AND "
                        f"{time_field} <= '{until:%Y/%m/%d %H:%M:%S}'"]  # fmt: skip
            params["datetime"] = f"{since:%Y-%m-%dT%H:%M:%SZ}/{until:%Y-%m-%dT%H:%M:%SZ}"
        gdal("ogr2ogr", "-f", "GeoJSON", str(out), source, cid, *options, token=token,
             requests_seen=fetched)  # fmt: skip
        assert any("bbox=" in url for url in fetched), (cid, fetched)
        if time_field:
            assert any("datetime=" in url for url in fetched), (cid, fetched)
        got = pyogrio.read_info(out)["features"] if out.exists() else 0
        page = get(live_app, f"collections/{cid}/items", token, limit=10000, **params).json()
        # numberMatched where the API counts (every collection but tracks), else the features
        assert got == page.get("numberMatched", page["numberReturned"]), cid
        if cid in rest:  # and the whole layer, as many as the REST API lists
            answer = requests.get(
                live_app + rest[cid], headers={"Authorization": f"Token {token}"}, timeout=30
            ).json()
            listed = answer.get("count", len(answer.get("features", answer.get("results", []))))
            whole = get(live_app, f"collections/{cid}/items", token, limit=1).json()
            assert whole["numberMatched"] == listed, cid
