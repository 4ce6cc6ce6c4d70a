"""Dash callbacks called as Dash calls them, with what a browser may send: valid clicks
give panels, anything else gives no update or a message, never an exception."""

from __future__ import annotations

import dash
import pytest
from dash import html

from tests.factories import make_vessel

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(app, dash_page):
    """The page modules, registered by the Dash app that the `app` fixture built."""

    return dash_page(app, "overview"), dash_page(app, "port")


def text_of(component) -> str:
    import json

    import plotly.io

    encoded = plotly.io.json.to_json_plotly(component.to_plotly_json())
    return json.dumps(json.loads(encoded), ensure_ascii=False)


class Ctx:
    def __init__(self, triggered_id):
        self.triggered_id = triggered_id


@pytest.mark.parametrize(
    "click",
    [None, [], "x", {"properties": None}, {"properties": {"code": 5}}, {"properties": []}],
)
def test_node_click_with_junk_is_no_update(pages, monkeypatch, click):
    overview, _ = pages
    monkeypatch.setattr(dash, "ctx", Ctx("overview-nodes"))
    assert overview.show_node(click, None, "en") is dash.no_update


def test_node_click_and_search_give_the_panel(pages, monkeypatch):
    overview, _ = pages
    monkeypatch.setattr(dash, "ctx", Ctx("overview-nodes"))
    panel = overview.show_node({"properties": {"code": "QZ_PORT"}}, None, "zh-hans")
    assert "钦州港" in text_of(panel) and panel.id == "overview-node-panel"
    monkeypatch.setattr(dash, "ctx", Ctx("overview-find"))
    assert "Unknown node" in text_of(overview.show_node(None, "NOPE", "en"))
    assert overview.show_node(None, "QZ_PORT", ["not", "a", "language"]).id == "overview-node-panel"


def test_vessel_click(pages):
    overview, _ = pages
    vessel = make_vessel(name="CLICKED SHIP")
    panel, track = overview.show_vessel({"properties": {"mmsi": vessel.mmsi}}, "en")
    assert "CLICKED SHIP" in text_of(panel) and track["type"] == "FeatureCollection"
    for junk in ("abc", {"properties": {"mmsi": "12x"}}, {"properties": {"mmsi": 10**15}}):
        panel, track = overview.show_vessel(
            junk if isinstance(junk, dict) else {"properties": {"mmsi": junk}}, "en"
        )
        assert "Unknown vessel" in text_of(panel) and track is None
    assert overview.show_vessel(None, "en") == (dash.no_update, dash.no_update)


def test_route_filter_and_fly_to(pages):
    overview, _ = pages
    from datetime import date

    from core.periods import month_index

    months = [month_index(date(2025, 1, 1)), month_index(date(2025, 3, 1))]
    nodes, url, gaps, density = overview.filter_route("E", "en", months)
    assert url.endswith("?route=E") and {f["id"] for f in nodes["features"]} >= {
        "CQ_TJC",
        "QZ_PORT",
    }
    # the coverage-gap layer follows the route: only nodes of the east channel
    assert gaps["features"] and {f["id"] for f in gaps["features"]} <= {
        f["id"] for f in nodes["features"]
    }
    # the density tiles of the period's last week, to its end (March 2025)
    tiles = density["features"][0]["properties"]
    assert tiles["from"] == "2025-03-25" and tiles["to"] == "2025-04-01"
    assert (
        "/ogc/collections/positions/tiles/WebMercatorQuad/{z}/{y}/{x}?datetime=" in tiles["tiles"]
    )
    everything, plain, all_gaps, _ = overview.filter_route(["E"], 7)  # tampered: no filter
    assert "?" not in plain and len(everything["features"]) > len(nodes["features"])
    assert len(all_gaps["features"]) > len(gaps["features"])
    assert overview.fly_to_node("QZ_PORT")["zoom"] == 10
    assert overview.fly_to_node({"$ne": 1}) is dash.no_update


def test_port_sensitivity_callback(pages):
    _, port = pages
    table = port.run_sensitivity(1, "QZ_PORT")
    assert isinstance(table, html.Table)
    assert "Unknown port" in text_of(port.run_sensitivity(1, "NOPE"))
    assert "Unknown port" in text_of(port.run_sensitivity(1, {"code": "QZ_PORT"}))


def test_layer_switches_are_carried_by_the_address(pages):
    overview, _ = pages
    assert overview.layers_from_query({}) == ("vessels", "trains")
    assert overview.layers_from_query({"layers": "fences,gaps,<x>"}) == ("fences", "gaps")
    assert overview.layers_from_query({"layers": ""}) == ()
    assert overview.layer_keys(["Port fences", "Vessels", 5]) == ["vessels", "fences"]
    assert overview.layer_keys("junk") == ["vessels", "trains"]
    period = [2025 * 12, 2025 * 12 + 11]
    search = overview.share_view(period, "E", None, ["Coverage gaps"], "en")
    assert "layers=gaps" in search and "route=E" in search and "from=2025-01" in search
    assert "layers" not in overview.share_view(period, None, None, ["Vessels", "Trains"], "en")
    assert "layers=&" in overview.share_view(period, None, None, [], "en") + "&"
