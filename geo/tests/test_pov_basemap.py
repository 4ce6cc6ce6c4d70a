"""A lawful basemap by default (issue 18, item 1): the political layers follow China's point
of view (Taiwan inside China, the eastern-sector claim line as the China-India boundary, the
maritime line, the island groups under their standard names) on the dashboard's layers, in
the HTML report, the PDF's map and the exported map layers; `CW_POLITICAL_LAYERS=none` draws
and serves no political layer."""

from __future__ import annotations

import json
from datetime import date

import pyogrio
import pytest
import shapely
from django.core import checks
from django.db import connection
from django.test import Client
from django.utils import translation

from exports.services.layers import LAYERS, ExportParams
from exports.services.report import build, html_report, map_figure
from exports.services.writer import write_layer
from geo.services import basemap

pytestmark = pytest.mark.django_db

TAIWAN = (121.0, 23.7)  # the middle of Taiwan Island
EASTERN_SECTOR = (94.0, 28.0)  # south of the McMahon line, north of the claim line
MCMAHON = (94.5, 28.9)  # on the McMahon line (Natural Earth's de facto boundary)
FIRST_DASH = [121.8383, 21.7247]  # the maritime line's dash south of Taiwan (NE, 1:10m)


def _shows(page: str, text: str) -> bool:
    """A name in the report's page, as written or as folium escapes it in its script."""
    return text in page or json.dumps(text)[1:-1] in page


def _contains(layer: str, name: str, lon: float, lat: float) -> bool:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT bool_or(ST_Contains(f.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)))
               FROM geo_basemapfeature f JOIN geo_basemaplayer l ON l.id = f.layer_id
               WHERE l.name = %s AND f.name = %s""",
            [lon, lat, layer, name],
        )
        return bool(cur.fetchone()[0])


def test_the_loaded_political_layers_follow_chinas_point_of_view():
    assert _contains("countries", "China", *TAIWAN)
    assert _contains("countries", "China", *EASTERN_SECTOR)
    assert not _contains("countries", "India", *EASTERN_SECTOR)
    countries = json.loads(basemap.layer_geojson("countries") or "{}")["features"]
    assert "Taiwan" not in {f["properties"]["name"] for f in countries}
    with connection.cursor() as cur:
        cur.execute(
            """SELECT min(ST_Distance(f.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)))
               FROM geo_basemapfeature f JOIN geo_basemaplayer l ON l.id = f.layer_id
               WHERE l.name = 'country_borders'""",
            MCMAHON,
        )
        (to_mcmahon,) = cur.fetchone()
    assert to_mcmahon > 0.5  # the McMahon segment is not drawn
    dashes = json.loads(basemap.layer_geojson("maritime_line") or "{}")["features"]
    assert len(dashes) == 9
    assert FIRST_DASH in [d["geometry"]["coordinates"][0] for d in dashes]
    labels = json.loads(basemap.layer_geojson("labels") or "{}")["features"]
    names = {f["properties"]["name_zh"]: f["properties"]["kind"] for f in labels}
    assert names["南海诸岛"] == "region" and names["台湾岛"] == "island"
    assert names["西沙群岛"] == "islands"
    assert {"西沙群岛", "南沙群岛", "中沙群岛", "东沙群岛", "钓鱼岛", "黄岩岛"} <= set(names)
    assert "台湾" not in names  # an island of China, not a country


def test_the_dashboard_draws_the_political_layers_by_default_and_serves_them():
    shown = basemap.shown_layers()
    assert {"country_borders", "maritime_line", "labels"} <= set(shown)
    client = Client()
    body = client.get("/api/basemap/maritime_line/").json()
    assert len(body["features"]) == 9
    labels = client.get("/api/basemap/labels/").json()["features"]
    assert any(f["properties"].get("name_zh") == "南海诸岛" for f in labels)


def test_none_draws_and_serves_no_political_layer(settings):
    settings.CW_POLITICAL_LAYERS = "none"
    assert not set(basemap.POLITICAL) & set(basemap.shown_layers())
    assert "land" in basemap.shown_layers()
    client = Client()
    for layer in basemap.POLITICAL:
        assert client.get(f"/api/basemap/{layer}/").status_code == 404, layer
    assert client.get("/api/basemap/land/").status_code == 200
    assert LAYERS["boundaries"].count(ExportParams()) == 0
    with translation.override("en"):
        page = html_report(build("E", date(2026, 9, 1), date(2026, 9, 30), "en"))
    assert str(FIRST_DASH[0]) not in page and "cw-basemap-label" not in page.split("<body>")[-1]


def test_an_unknown_political_setting_is_a_start_up_error(settings):
    settings.CW_POLITICAL_LAYERS = "de-facto"
    errors = [e for e in checks.run_checks() if e.id == "geo.E001"]
    assert errors and "CW_POLITICAL_LAYERS" in errors[0].msg
    assert not set(basemap.POLITICAL) & set(basemap.shown_layers())  # nothing political drawn


def test_the_html_report_draws_the_maritime_line_and_standard_names():
    with translation.override("zh-hans"):
        page = html_report(build("E", date(2026, 9, 1), date(2026, 9, 30), "zh-hans"))
    assert f"[{FIRST_DASH[0]}, {FIRST_DASH[1]}]" in page
    assert all(_shows(page, name) for name in ("南海诸岛", "台湾岛", "越南"))
    with translation.override("en"):
        page = html_report(build("E", date(2026, 9, 1), date(2026, 9, 30), "en"))
    assert _shows(page, "Xisha Qundao") and not _shows(page, "南海诸岛")


def test_the_pdf_map_draws_the_boundaries_the_line_and_insets_the_islands():
    import matplotlib.pyplot as plt

    with translation.override("zh-hans"):
        fig = map_figure(build("E", date(2026, 9, 1), date(2026, 9, 30), "zh-hans"))
    try:
        main = fig.axes[0]
        assert any(line.get_gid() == "country_borders" for line in main.lines)
        (inset,) = [a for a in main.child_axes if a.get_gid() == "scs-inset"]
        dashes = [line for line in inset.lines if line.get_gid() == "maritime_line"]
        assert len(dashes) == 9
        assert any(
            list(map(float, line.get_xydata()[0])) == FIRST_DASH for line in dashes
        )  # drawn where Natural Earth puts it
        assert {"西沙群岛", "南沙群岛", "黄岩岛"} <= {t.get_text() for t in inset.texts}
        assert inset.get_title() == "南海诸岛"
    finally:
        plt.close(fig)


@pytest.mark.parametrize("fmt", ["gpkg", "kml"])
def test_the_exported_map_layers_follow_chinas_point_of_view(tmp_path, fmt):
    countries = tmp_path / f"countries.{fmt}"
    spec = LAYERS["countries"]
    write_layer(spec, spec.rows(ExportParams(), 4326, "zh-hans"), fmt, 4326, countries)
    frame = pyogrio.read_dataframe(countries)
    names = list(frame["name_en" if fmt == "gpkg" else "Name"])
    china = frame.geometry[names.index("China" if fmt == "gpkg" else "中国")]
    assert shapely.contains_xy(china, *TAIWAN) and shapely.contains_xy(china, *EASTERN_SECTOR)
    assert "Taiwan" not in names
    lines = tmp_path / f"boundaries.{fmt}"
    spec = LAYERS["boundaries"]
    write_layer(spec, spec.rows(ExportParams(), 4326, "zh-hans"), fmt, 4326, lines)
    frame = pyogrio.read_dataframe(lines)
    maritime = frame[frame["kind"] == "maritime line"] if "kind" in frame else frame
    assert len(maritime) >= 9
    starts = [[round(c, 4) for c in g.coords[0][:2]] for g in frame.geometry]
    assert FIRST_DASH in starts
