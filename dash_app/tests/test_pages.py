"""The node, coverage and port pages as Dash builds them: real data in, the parts officials
read out; unknown codes answered in words; empty charts say so."""

from __future__ import annotations

import pytest

from dash_app import gateway
from dash_app.tests.test_callbacks import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(app, dash_page):

    return {name: dash_page(app, name) for name in ("node", "coverage", "port", "route")}


def test_node_page_shows_services_coverage_over_time_and_links(pages):
    page = pages["node"].layout(code="QZ_PORT")
    text = text_of(page)
    assert "钦州港" in text and "Terminal automation" in text
    assert "/dash/port/QZ_PORT" in text
    history = gateway.coverage_history("QZ_PORT", months=36)
    assert len(history) == 36 and history[-1].score == pytest.approx(4.5 / 12, abs=1e-4)
    # Coverage grew over the years the evidence covers (or stayed): never shrinks here.
    scores = [p.score or 0 for p in history]
    assert scores == sorted(scores)
    assert "Unknown node" in text_of(pages["node"].layout(code="NOPE"))


def test_coverage_page_matrix_ranking_and_gaps(pages):
    children = pages["coverage"].body("en", "E", None)
    text = text_of(children[0]) + text_of(children[2]) + text_of(children[4])
    assert "QZ_PORT" in text and "CQ_TJC" in text
    m = gateway.coverage_matrix("en", "E")
    assert [r[0] for r in m.routes] == sorted(
        [r[0] for r in m.routes], key=lambda c: -dict((x[0], x[2]) for x in m.routes)[c]
    )
    assert all(g[0] == "E" for g in m.gaps) and m.gaps
    # Junk from an address: the whole corridor.
    everything = text_of(pages["coverage"].layout(route={"x": 1}))
    assert "QZ_PORT" in everything and "BH_PORT" in everything


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


def test_deep_link_parameters_are_checked(app, dash_page):

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


def test_the_period_is_read_from_the_address_as_months_or_days():
    from datetime import date

    from dash_app.components import period

    assert period.period_from_query({"from": "2025-02", "to": "2025-04"}) == (
        date(2025, 2, 1),
        date(2025, 4, 30),
    )
    assert period.period_from_query({"from": "2025-10-03", "to": "2025-09-01"}) == (
        date(2025, 9, 1),
        date(2025, 10, 3),
    )
    for junk in (
        {"from": "2025-13", "to": "2025-04"},
        {"from": "2025-02-30", "to": "2025-04"},
        {"from": ["2025-01"], "to": "2025-04"},
        {"from": "1800-01", "to": "2025-04"},
        {"from": "2025/01", "to": "2025-04"},
        {"to": "2025-04"},
    ):
        assert period.period_from_query(junk) is None, junk
    search = period.with_period("?route=E&from=2020-01&to=2020-02&lang=en", "2025-01", "2025-03")
    assert search == "?route=E&lang=en&from=2025-01&to=2025-03"
    assert period.with_param(search, "route", "") == "?lang=en&from=2025-01&to=2025-03"
    assert period.follow_months([2025 * 12 + 2, 2025 * 12], "") == "?from=2025-01&to=2025-03"
    assert period.follow_days("2025-10-09", "2025-10-02", "?x=1") == (
        "?x=1&from=2025-10-02&to=2025-10-09"
    )


def test_the_node_and_coverage_pages_show_the_periods_end(pages):
    """A period ending in 2018 shows coverage as the evidence stood then: fewer services,
    no statement made later, a lower score than now."""
    from datetime import date

    then = gateway.coverage_matrix("en", "E", on=date(2018, 12, 31))
    now = gateway.coverage_matrix("en", "E")
    score = {r[0]: r[2] for r in now.rows}
    score_then = {r[0]: r[2] for r in then.rows}
    assert (score_then["QZ_PORT"] or 0) < score["QZ_PORT"]
    codes = [c for c, _ in then.categories]
    cell = next(r for r in then.rows if r[0] == "QZ_EAST")[3][codes.index("cargo_tracking")]
    assert cell.level == "none"  # the unverified statement dates from 2019

    text = text_of(pages["coverage"].layout(route="E", **{"from": "2018-01", "to": "2018-12"}))
    assert "coverage as at 2018-12-31" in text
    node = text_of(pages["node"].layout(code="QZ_PORT", **{"from": "2018-01", "to": "2018-12"}))
    history = gateway.coverage_history("QZ_PORT", until=date(2018, 12, 31))
    assert history[-1].month == "2018-12" and len(history) == 36
    evidence = gateway.node_evidence("QZ_PORT", "en", until=date(2018, 12, 31))
    assert all(e.as_of <= "2018-12-31" for e in evidence)
    assert len(evidence) < len(gateway.node_evidence("QZ_PORT", "en"))
    assert "services and evidence as at the period" in node
    series = gateway.node_throughput("QZ_PORT", date(2025, 1, 1), date(2025, 12, 31))
    assert series.months == [f"2025-{m:02d}" for m in range(1, 13)]
    longest = gateway.node_throughput("QZ_PORT", date(2017, 1, 1), date(2025, 12, 31))
    assert len(longest.months) == 36 and longest.months[-1] == "2025-12"
    detail_then = gateway.node_detail("QZ_PORT", "en", on=date(2018, 12, 31))
    detail_now = gateway.node_detail("QZ_PORT", "en")
    assert len(detail_then.services) < len(detail_now.services)


def test_the_port_and_route_pages_follow_the_period(pages):
    text = text_of(pages["port"].layout(code="QZ_PORT", **{"from": "2025-01", "to": "2025-12"}))
    assert '"start_date": "2025-01-01"' in text and '"end_date": "2025-12-31"' in text
    text = text_of(pages["route"].layout(code="E", **{"from": "2025-01", "to": "2025-03"}))
    assert "2025-01-01 – 2025-03-31" in text
    default = gateway.default_period()  # the latest data held, as on every page
    assert f"{default.first} – {default.last}" in text_of(pages["route"].layout(code="E"))
    from datetime import date

    weeks = gateway.route_kpis("E", "en", date(2025, 1, 1), date(2025, 3, 31)).periods
    assert (weeks[0]["period"], weeks[-1]["period"]) == ("2024-12-30", "2025-03-31")


def test_coverage_over_time_ends_at_the_ranking_and_grows_with_the_evidence():
    from datetime import date

    trend = gateway.coverage_trend("en")
    ranking = {code: score for code, _name, score in gateway.coverage_matrix("en").routes}
    assert len(trend.months) == 36 and set(trend.routes) == set(ranking)
    for code, values in trend.routes.items():
        assert values[-1] == pytest.approx(ranking[code], abs=1e-4), code
    then = gateway.coverage_trend("en", "E", until=date(2019, 6, 30), months=12)
    assert then.months[-1] == "2019-06" and list(then.routes) == ["E"]
    assert then.routes["E"][-1] < trend.routes["E"][-1]
