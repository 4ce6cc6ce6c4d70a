"""The combined WSGI application: Dash behind the Django session, Django everywhere else."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from werkzeug.test import Client as WsgiClient

from tests import support

pytestmark = pytest.mark.django_db


def session_cookie(username: str = "official") -> str:
    client = Client()
    support.login_as(client, username)
    return client.cookies["sessionid"].value


def test_dash_requires_a_django_login(app):
    anonymous = WsgiClient(app)
    page = anonymous.get("/dash/")
    assert page.status_code == 302
    assert page.headers["Location"] == "/accounts/login/?next=%2Fdash%2F"
    assert anonymous.get("/dash/_dash-layout").status_code == 401
    assert anonymous.post("/dash/_dash-update-component", json={}).status_code == 401


def test_logged_in_user_gets_the_dash_app(app):
    client = WsgiClient(app)
    client.set_cookie("sessionid", session_cookie())
    page = client.get("/dash/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "_dash-component-suites" in html
    # Offline: no script or stylesheet from another host.
    assert "unpkg.com" not in html and "cdn" not in html.lower()
    layout = client.get("/dash/_dash-layout")
    assert layout.status_code == 200


def test_dash_callback_returns_node_panel(app):
    client = WsgiClient(app)
    client.set_cookie("sessionid", session_cookie())
    client.set_cookie("django_language", "zh-hans")
    payload = {
        "output": "overview-detail.children",
        "outputs": {"id": "overview-detail", "property": "children"},
        "inputs": [
            {
                "id": "overview-nodes",
                "property": "clickData",
                "value": {"properties": {"code": "QZ_PORT"}},
            },
            {"id": "overview-find", "property": "value", "value": None},
            {"id": "overview-lang", "property": "data", "value": "zh-hans"},
        ],
        "changedPropIds": ["overview-nodes.clickData"],
        "state": [{"id": "overview-period", "property": "value", "value": [24300, 24311]}],
    }
    response = client.post("/dash/_dash-update-component", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert "钦州港" in text and "码头自动化与远程操控设备" in text


def test_django_serves_root_api_and_health(app):
    client = WsgiClient(app)
    assert client.get("/").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["postgis"].startswith("3.")
    assert client.get("/api/nodes/").status_code == 401  # reads need a login by default
    client.set_cookie("sessionid", session_cookie("analyst"))
    assert client.get("/api/nodes/").status_code == 200


def test_port_page_shows_rule_charts_and_sensitivity(app, dash_page):
    """The port page's layout and its sensitivity callback (called as Dash would)."""
    import plotly.io
    from dash import html

    port = dash_page(app, "port")

    page = port.layout(code="QZ_PORT")
    text = plotly.io.json.to_json_plotly(page.to_plotly_json())
    assert "1 kn or slower for at least 30 minutes" in text
    assert all(i in text for i in ("port-queue", "port-wait", "port-timeline", "port-fences"))
    table = port.run_sensitivity(1, "QZ_PORT")
    assert isinstance(table, html.Table) and table.id == "port-sensitivity-table"
    assert "Unknown port" in plotly.io.json.to_json_plotly(port.layout(code="HH").to_plotly_json())


def test_text_answers_are_compressed_for_clients_that_take_it(app):
    """Brotli when offered, else gzip, else none; the same bytes once decoded; the ETag turns
    weak and still gives 304; small answers and downloads of other types pass untouched."""
    import gzip

    import brotli

    client = WsgiClient(app)
    client.set_cookie("sessionid", session_cookie())
    plain = client.get("/api/route-segments/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    body = plain.get_data()
    br = client.get("/api/route-segments/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == body
    kept = len(app.memo.items)  # the same body again: encoded once, served from memory
    assert client.get(br.request.path, headers={"Accept-Encoding": "br"}).get_data() == (
        br.get_data()
    )
    assert len(app.memo.items) == kept
    assert int(br.headers["Content-Length"]) < len(body) / 4
    gz = client.get("/api/route-segments/", headers={"Accept-Encoding": "gzip;q=1, br;q=0"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == body
    assert br.headers["ETag"] == "W/" + plain.headers["ETag"]
    again = client.get(
        "/api/route-segments/",
        headers={"Accept-Encoding": "br", "If-None-Match": br.headers["ETag"]},
    )
    assert again.status_code == 304 and again.get_data() == b""
    small = client.get("/healthz", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in small.headers
    # The Dash half too: its bundles are the heaviest part of a first visit.
    page = client.get("/dash/", headers={"Accept-Encoding": "br"})
    assert page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.get_data()).decode()
    bundle = next(s for s in html.split('"') if "_dash-component-suites" in s and ".js" in s)
    js = client.get(bundle, headers={"Accept-Encoding": "br"})
    assert js.status_code == 200 and js.headers["Content-Encoding"] == "br"
    identity = client.get(bundle).get_data()
    assert brotli.decompress(js.get_data()) == identity
