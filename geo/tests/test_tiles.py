"""Tile basemaps (issue 18, item 2): Tianditu with its key, layer, annotation layer and tile
matrix, from Tianditu or an intranet mirror; the map-approval number on the map, the HTML
report and the PDF; a GCJ-02 source refused, never overlaid on WGS84 data."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from django.core import checks

from geo.services import tiles

pytestmark = pytest.mark.django_db


def test_no_tiles_by_default(settings):
    settings.CW_TILE_URL = ""
    settings.CW_TIANDITU_KEY = ""
    assert tiles.tile_sources() == [] and tiles.map_crs() == "EPSG3857"
    assert tiles.problems() == [] and tiles.approval_text() == ""


def test_tianditu_vector_with_its_chinese_annotation_in_web_mercator(settings):
    settings.CW_TIANDITU_KEY = "k3y"
    base, notes = tiles.tile_sources()
    assert base.url.startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?")
    assert "LAYER=vec" in base.url and "TILEMATRIXSET=w" in base.url and "tk=k3y" in base.url
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in base.url
    assert notes.url.startswith("https://t{s}.tianditu.gov.cn/cva_w/") and notes.overlay
    assert base.subdomains == "01234567" and base.datum == "cgcs2000"
    assert tiles.map_crs() == "EPSG3857" and "天地图" in tiles.approval_text()


def test_tianditu_imagery_in_the_cgcs2000_matrix_from_a_mirror(settings):
    settings.CW_TIANDITU_KEY = "k3y"
    settings.CW_TIANDITU_LAYER = "img"
    settings.CW_TIANDITU_MATRIX = "c"
    settings.CW_TIANDITU_URL = "http://maps.intranet.example/tianditu"
    base, notes = tiles.tile_sources()
    assert base.url.startswith("http://maps.intranet.example/tianditu/img_c/wmts?")
    assert notes.url.startswith("http://maps.intranet.example/tianditu/cia_c/")
    assert tiles.map_crs() == "EPSG4326" and base.zoom_offset == 1
    settings.CW_TIANDITU_MATRIX = "x"
    assert tiles.tile_sources() == [] and "CW_TIANDITU_MATRIX" in tiles.problems()[0]


def test_a_gcj02_source_is_refused_never_drawn(settings):
    settings.CW_TIANDITU_KEY = ""
    settings.CW_TILE_URL = "https://tiles.example.com/{z}/{x}/{y}.png"
    settings.CW_TILE_DATUM = "GCJ02"
    assert tiles.tile_sources() == []
    [error] = [e for e in checks.run_checks() if e.id == "geo.E001"]
    assert "GCJ02" in error.msg and "refused" in error.msg
    settings.CW_TILE_DATUM = "wgs84"
    assert [t.url for t in tiles.tile_sources()] == [settings.CW_TILE_URL]
    assert not [e for e in checks.run_checks() if e.id == "geo.E001"]


def test_the_approval_number_is_printed_on_the_report_and_the_pdf(settings):
    from exports.services.report import build, html_report, pdf_report

    settings.CW_MAP_APPROVAL = "GS(2026)1234号"
    settings.CW_TIANDITU_KEY = "k3y"
    data = build("E", date(2026, 9, 1), date(2026, 9, 30), "zh-hans")
    page = html_report(data)
    assert "审图号：GS(2026)1234号" in page and "vec_w/wmts" in page and "tk=k3y" in page
    reader = pypdf.PdfReader(io.BytesIO(pdf_report(data)))
    assert "GS(2026)1234" in reader.pages[0].extract_text()
