"""A page and the API tell one story (issue 22): each figure a Dash page reads through its
gateway, the API gives from the same service, with the same limits and refusals. The
endpoints added so that every gateway reader has an API twin are checked here against the
page's own reading, on the seed's evidence and on hand-made figures."""

from __future__ import annotations

import json
from datetime import date

import pytest
from rest_framework.test import APIClient

from dash_app import gateway
from tests.factories import make_figure, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(login_as):
    return login_as(APIClient(), "analyst")


def test_a_nodes_coverage_history_is_the_node_pages(api):
    body = api.get("/api/nodes/CQ/coverage-history/?months=120&until=2025-06-30").json()
    page = gateway.coverage_history("CQ", 120, date(2025, 6, 30))
    assert page is not None and len(page) == 120
    assert [m["month"] for m in body["months"]] == [p.month for p in page]
    assert [m["score"] for m in body["months"]] == [p.score for p in page]
    assert body["months"][-1] == {"month": "2025-06", "day": "2025-06-30", "score": page[-1].score}
    # Chongqing's earliest record is of 2017 (trade finance): no evidence in 2015, a score
    # growing as services came.
    scores = {m["month"]: m["score"] for m in body["months"]}
    assert scores["2015-07"] is None
    assert 0 < scores["2017-12"] < scores["2025-06"]


@pytest.mark.parametrize(
    "query, field",
    [("months=0", "months"), ("months=121", "months"), ("until=June", "until")],
)
def test_a_bad_history_parameter_is_a_400_naming_it(api, query, field):
    answer = api.get(f"/api/nodes/CQ/coverage-history/?{query}")
    assert answer.status_code == 400 and field in answer.json()
    assert api.get("/api/nodes/NOPE/coverage-history/").status_code == 404


def test_a_nodes_evidence_is_the_node_pages(api):
    body = api.get("/api/nodes/QZ_PORT/evidence/?until=2020-12-31").json()
    page = gateway.node_evidence("QZ_PORT", "en", date(2020, 12, 31))
    assert [e["source_url"] for e in body] == [e.source_url for e in page]
    assert body and all(e["as_of"] <= "2020-12-31" for e in body)
    # The 2022 tally statement was not yet made at the end of 2020.
    assert "2022-10-25" not in {e["as_of"] for e in body}
    everything = api.get("/api/nodes/QZ_PORT/evidence/").json()
    assert "2022-10-25" in {e["as_of"] for e in everything}


def test_the_coverage_trend_is_the_coverage_pages(api):
    body = api.get("/api/coverage/trend/?months=24&until=2025-12-31").json()
    page = gateway.coverage_trend("en", None, date(2025, 12, 31), 24)
    assert body["months"] == page.months and len(page.months) == 24
    assert body["corridor"] == page.corridor
    assert body["routes"] == page.routes and page.routes
    # A route's point is its score on the ranking of that day (the same rule).
    ranking = gateway.coverage_matrix("en", None, date(2025, 12, 31))
    for code, _name, score in ranking.routes:
        assert body["routes"][code][-1] == pytest.approx(score)
    one = api.get("/api/coverage/trend/?months=3&route=" + ranking.routes[0][0]).json()
    assert list(one["routes"]) == [ranking.routes[0][0]]
    assert api.get("/api/coverage/trend/?route=NOPE").status_code == 400


def test_a_nodes_monthly_throughput_is_the_node_charts(api):
    port = make_node("TMX", lon=100.0, lat=10.0)
    make_figure(port, "2031-03-01", "2031-03-31", 1200)
    make_figure(port, "2031-05-01", "2031-05-31", 900, "~")
    body = api.get("/api/throughput/monthly/?node=TMX&start=2031-02-01&end=2031-06-30").json()
    page = gateway.node_throughput("TMX", date(2031, 2, 1), date(2031, 6, 30))
    assert page is not None
    assert body["months"] == page.months == ["2031-02", "2031-03", "2031-04", "2031-05", "2031-06"]
    assert body["official"] == page.official == [None, 1200.0, None, 900.0, None]
    assert body["pending"] == page.pending and body["ais"] == page.ais
    assert api.get("/api/throughput/monthly/?node=NOPE").status_code == 400
    reversed_period = api.get("/api/throughput/monthly/?node=TMX&start=2031-06-01&end=2031-01-01")
    assert reversed_period.status_code == 400 and "start" in reversed_period.json()


def test_the_headline_is_the_overviews(api):
    body = api.get("/api/figures/headline/?start=2024-01-01&end=2024-12-31").json()
    strip = gateway.headline(date(2024, 1, 1), date(2024, 12, 31))
    page = json.loads(json.dumps(_plain(strip), default=str))
    assert body == page
    keys = [f["key"] for f in body["figures"]]
    assert keys == ["teu", "tonnes", "trains", "calls", "wait", "coverage"]
    teu = body["figures"][0]
    assert teu["value"] is not None and teu["covers"]  # the seed publishes 2024's TEU
    bad = api.get("/api/figures/headline/?start=2024-12-31&end=2024-01-01")
    assert bad.status_code == 400 and "start" in bad.json()
    assert APIClient().get("/api/figures/headline/").status_code in (401, 403)


def _plain(strip):
    from dataclasses import asdict

    return asdict(strip)


def test_the_vessel_search_is_the_maps(api):
    from tests.factories import make_vessel

    make_vessel(412345678, name="HAI YANG SHI YOU 981", imo=9616440)
    make_vessel(412999001, name="BEIBU STAR")
    make_vessel(563000111, name="SINGAPORE STAR")
    by_name = api.get("/api/vessels/search/?q=star").json()
    assert sorted(v["mmsi"] for v in by_name) == [412999001, 563000111]
    page = gateway.vessel_options("star")
    assert sorted(int(o["value"]) for o in page) == [412999001, 563000111]
    assert [v["mmsi"] for v in api.get("/api/vessels/search/?q=4123").json()] == [412345678]
    assert [v["mmsi"] for v in api.get("/api/vessels/search/?q=9616440").json()] == [412345678]
    assert gateway.vessel_options("4123")[0]["label"].startswith("HAI YANG SHI YOU 981")
    assert api.get("/api/vessels/search/?q=s").json() == []  # one character finds nothing
    assert api.get("/api/vessels/search/?q=1234567890123").json() == []
    assert api.get("/api/vessels/search/?q=star&limit=500").status_code == 400
    assert gateway.vessel_position(412345678) is None  # never placed
