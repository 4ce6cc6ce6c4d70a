"""The corridor report: figures against the previous period and last year by hand, an HTML
map that needs no network, a PDF with the map image, tables and every source."""

import html
import io
import re
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from rest_framework.test import APIClient

from exports.services.jobs import run_job, take_next
from exports.services.report import build, html_report, pdf_report
from geo.models import Node
from ports.models import ThroughputReport

pytestmark = pytest.mark.django_db
SOURCE = "https://example.org/qinzhou-monthly"


def figure(node, start, end, value, kind="month"):
    return ThroughputReport.objects.create(
        node=node,
        period_kind=kind,
        period_start=start,
        period_end=end,
        metric="teu",
        unit="teu",
        value=Decimal(value),
        source="operator",
        status="approved",
        official=True,
        current=True,
        source_url=SOURCE,
    )


@pytest.fixture
def qinzhou_figures():
    qz = Node.objects.get(code="QZ_PORT")
    figure(qz, date(2026, 9, 1), date(2026, 9, 30), 800_000)
    figure(qz, date(2026, 8, 1), date(2026, 8, 31), 640_000)
    figure(qz, date(2025, 9, 1), date(2025, 9, 30), 500_000)
    return qz


def test_throughput_against_the_previous_period_and_last_year(qinzhou_figures):
    data = build("E", date(2026, 9, 1), date(2026, 9, 30), "zh-hans")
    qz = next(n for n in data.nodes if n.code == "QZ_PORT")
    assert (qz.teu, qz.teu_previous, qz.teu_last_year) == (800_000, 640_000, 500_000)
    assert qz.name == "钦州港" and SOURCE in qz.sources
    page = html_report(data)
    assert "+25.0%" in page and "+60.0%" in page  # 800k vs 640k and vs 500k
    # Nothing is fetched from elsewhere: no external script or stylesheet.
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert not re.search(r'<link[^>]+stylesheet[^>]+href="https?://', page)
    assert "L.map(" in page and "钦州港" in page


def test_the_pdf_has_the_map_the_tables_and_the_sources(qinzhou_figures):
    data = build("E", date(2026, 9, 1), date(2026, 9, 30), "zh-hans")
    reader = pypdf.PdfReader(io.BytesIO(pdf_report(data)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert sum(len(page.images) for page in reader.pages) >= 2  # the map and the chart
    assert "钦州港" in text and "800,000" in text and "+25.0%" in text
    assert "example.org/qinzhou-monthly" in text.replace("\n", "")
    assert "Port calls" in text or "挂靠" in text


def test_a_report_job_through_the_api(qinzhou_figures, settings, tmp_path, login_as):
    settings.CW_EXPORT_DIR = tmp_path
    analyst = login_as(APIClient(), "analyst")
    body = {
        "layer": "corridor_report",
        "format": "pdf",
        "filters": {"route": "E", "start": "2026-09-01", "end": "2026-09-30"},
    }
    job = analyst.post("/api/exports/", body, format="json").json()
    assert job["state"] == "queued"
    while (job_id := take_next()) is not None:
        run_job(job_id)
    done = analyst.get(f"/api/exports/{job['id']}/").json()
    assert done["state"] == "done", done["message"]
    response = analyst.get(done["download"])
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    bad = {**body, "format": "gpkg"}
    assert analyst.post("/api/exports/", bad, format="json").status_code == 400
    bad = {**body, "filters": {"route": "NOPE"}}
    assert analyst.post("/api/exports/", bad, format="json").status_code == 400


def test_the_nodes_layer_carries_throughput_for_the_period_asked(qinzhou_figures):
    from datetime import UTC, datetime

    from exports.services.layers import LAYERS, ExportParams

    params = ExportParams(
        node="QZ_PORT",
        start=datetime(2026, 9, 1, tzinfo=UTC),
        end=datetime(2026, 9, 30, tzinfo=UTC),
    )
    (chunk,) = LAYERS["nodes"].rows(params, 4326)
    assert chunk.values["teu"] == [800_000.0]
    assert chunk.values["teu_source"] == [SOURCE]
    assert chunk.values["teu_covers"] == ["2026-09"] and chunk.values["teu_partial"] == [False]


def test_the_headline_strip_against_the_previous_period_and_last_year(qinzhou_figures):
    """The dashboard's strip: TEU for the month against the month before and a year earlier;
    coverage as the evidence stood at each period's end (lower in 2018 than in 2026)."""
    from exports.services.figures import headline

    strip = headline(date(2026, 9, 1), date(2026, 9, 30))
    teu = next(f for f in strip.figures if f.key == "teu")
    assert (teu.value, teu.previous, teu.last_year) == (800_000, 640_000, 500_000)
    assert teu.vs_previous.change == pytest.approx(0.25)
    assert teu.vs_last_year.change == pytest.approx(0.6)
    # Qinzhou alone reported: Beibu Gulf Port's other members did not, so it is partial.
    assert teu.partial
    assert strip.official >= 1
    coverage = next(
        f for f in headline(date(2018, 1, 1), date(2018, 12, 31)).figures if f.key == "coverage"
    )
    now = next(f for f in strip.figures if f.key == "coverage")
    assert coverage.value is not None and now.value is not None
    assert coverage.value < now.value
    assert coverage.last_year is not None and coverage.last_year <= coverage.value


def test_the_html_and_the_pdf_render_the_same_tables(qinzhou_figures):
    """The report's tables are built once (report_tables) and rendered twice: every short
    cell of every table is in the HTML page and in the PDF's text."""
    from exports.services.report import report_tables

    data = build("E", date(2026, 9, 1), date(2026, 9, 30), "zh-hans")
    page = html_report(data)
    reader = pypdf.PdfReader(io.BytesIO(pdf_report(data)))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    tables = report_tables(data)
    assert len(tables) >= 3 and all(t.rows for t in tables[:2])
    for table in tables:
        for cell in [*table.header, *(c for row in table.rows for c in row)]:
            if len(cell) <= 12 and cell != "—":
                assert html.escape(cell) in page, cell
                assert cell.replace(" ", "") in text.replace(" ", ""), cell


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pdf_pages_are_numbered_headers_whole_charts_clear_and_sources_linked(
    qinzhou_figures, language
):
    """Issue 21 (9): every page says "page n of m"; an English header wraps between words
    (never "Same perio/d"); the chart overlaps no table; sources are links to their own
    addresses (the figure's and the coverage evidence's), not a file of ours."""
    import pdfplumber
    from django.utils import translation

    with translation.override(language):
        data = build("E", date(2026, 9, 1), date(2026, 9, 30), language)
        body = pdf_report(data)
    reader = pypdf.PdfReader(io.BytesIO(body))
    pages = len(reader.pages)
    assert pages >= 2
    for n, page in enumerate(reader.pages, start=1):
        said = page.extract_text().replace("\n", " ")
        assert (f"Page {n} of {pages}" if language == "en" else f"第 {n} 页，共 {pages} 页") in (
            said
        ), said[-200:]
    uris = {
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object()
    }
    assert SOURCE in uris
    evidence = set(Node.objects.get(code="QZ_PORT").evidence.values_list("source_url", flat=True))
    assert evidence and evidence <= uris
    text = "".join(p.extract_text() for p in reader.pages)
    assert "node_services.csv" not in text
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        for page in pdf.pages:
            if language == "en":
                words = {w["text"] for w in page.extract_words()}
                assert not {"perio", "peri", "Previ", "previo"} & words, sorted(words)[:50]
            # A table's cells: its grid lines' box; no picture inside any of them.
            edges = page.edges
            for image in page.images:
                box = (image["x0"], image["top"], image["x1"], image["bottom"])
                inside = [
                    e
                    for e in edges
                    if box[0] + 1 < e["x0"] < box[2] - 1 and box[1] + 1 < e["top"] < box[3] - 1
                ]
                assert not inside, (page.page_number, box, inside[:3])


def test_the_reports_gaps_are_named_and_listed_once():
    """Issue 21 (6): a node's missing service once, however many routes it lies on, in
    words (no "QZ_EAST five_g BH_PORT")."""
    data = build(None, date(2026, 9, 1), date(2026, 9, 30), "en")
    assert data.gaps
    pairs = [(node, service) for node, service, _by in data.gaps]
    assert len(pairs) == len(set(pairs))
    codes = set(Node.objects.values_list("code", flat=True))
    for node, service, by in data.gaps:
        assert node not in codes and "_" not in service and not set(by.split(", ")) & codes
    chinese = build(None, date(2026, 9, 1), date(2026, 9, 30), "zh-hans")
    assert any("钦州" in node or "北海" in node for node, _s, _b in chinese.gaps)
