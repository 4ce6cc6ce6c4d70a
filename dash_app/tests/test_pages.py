"""The node, coverage and port pages as Dash builds them: real data in, the parts officials
read out; unknown codes answered in words; empty charts say so."""

from __future__ import annotations

import pytest

from dash_app import gateway
from dash_app.tests.test_callbacks import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(app):
    from conftest import dash_page

    return {name: dash_page(app, name) for name in ("node", "coverage", "port")}


def test_node_page_shows_services_coverage_over_time_and_links(pages):
    page = pages["node"].layout(code="QZ_PORT")
    text = text_of(page)
    assert "钦州港" in text and "Terminal automation" in text
    assert "/dash/port/QZ_PORT" in text
    history = gateway.coverage_history("QZ_PORT", months=36)
    assert len(history) == 36 and history[-1].score == pytest.approx(4 / 12, abs=1e-4)
    # Coverage grew over the years the evidence covers (or stayed): never shrinks here.
    scores = [p.score or 0 for p in history]
    assert scores == sorted(scores)
    assert "Unknown node" in text_of(pages["node"].layout(code="NOPE"))


def test_coverage_page_matrix_ranking_and_gaps(pages):
    children = pages["coverage"].body("E")
    text = text_of(children[0]) + text_of(children[2]) + text_of(children[4])
    assert "QZ_PORT" in text and "CQ_TJC" in text
    m = gateway.coverage_matrix("en", "E")
    assert [r[0] for r in m.routes] == sorted(
        [r[0] for r in m.routes], key=lambda c: -dict((x[0], x[2]) for x in m.routes)[c]
    )
    assert all(g[0] == "E" for g in m.gaps) and m.gaps
    # Junk from the browser: the whole corridor.
    assert pages["coverage"].body({"x": 1})


def test_port_page_without_calls_says_no_data(pages):
    text = text_of(pages["port"].layout(code="BH_PORT"))
    assert "No data for this period" in text
    assert "2000" not in text.split("port-timeline")[-1][:2000]


def test_low_confidence_evidence_is_shown_unverified_and_not_scored(pages):
    m = gateway.coverage_matrix("en", "E")
    codes = [c for c, _ in m.categories]
    row = next(r for r in m.rows if r[0] == "QZ_EAST")
    cell = row[3][codes.index("cargo_tracking")]  # one low-confidence statement (2019)
    assert cell.level == "unverified" and cell.evidence_url.startswith("http")
    from geo.services.coverage import compute_coverage

    assert "cargo_tracking" not in compute_coverage()["QZ_EAST"].services
    text = text_of(pages["node"].layout(code="QZ_EAST"))
    assert "node-evidence" in text and "Low (unverified)" in text


def test_deep_link_parameters_are_checked(app):
    from conftest import dash_page

    overview = dash_page(app, "overview")
    period, route, node = overview.view_from_query(
        {"from": "2025-02", "to": "2025-04", "route": "E", "node": "QZ_PORT"}
    )
    assert period == (2025 * 12 + 1, 2025 * 12 + 3) and (route, node) == ("E", "QZ_PORT")
    default = gateway.default_period_months()
    for junk in ({"from": "2025-13", "to": "2025-04"}, {"from": ["x"]}, {"to": "1800-01"}):
        assert overview.view_from_query(junk)[0] == default
    import flask

    with flask.Flask("t").test_request_context("/dash/"):
        text = text_of(overview.layout(node="NOPE", route="<script>"))
        assert "<script>" not in text.split('"overview-route"')[1][:300]
        shared = text_of(overview.layout(**{"from": "2025-02", "to": "2026-01", "node": "QZ_PORT"}))
    assert '"data-code": "QZ_PORT"' in shared and "24301" in shared
