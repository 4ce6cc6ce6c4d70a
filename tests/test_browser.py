"""A real browser (Debian's chromium, driven by Playwright) on the served system."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(live_app):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system_deps.sh --with-browser")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.requested = []
        page.on("request", lambda r: page.requested.append(r.url))
        yield page
        browser.close()


def login(page, base: str, username: str = "official") -> None:
    page.goto(f"{base}/dash/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/dash/")


def test_map_shows_nodes_and_qinzhou_services(page, live_app):
    ARTIFACTS.mkdir(exist_ok=True)
    login(page, live_app)
    page.wait_for_selector(".cw-node", timeout=30_000)
    assert page.locator(".cw-node").count() >= 51
    # The basemap and the routes are drawn as vector paths (no tile server).
    page.wait_for_function(
        "document.querySelectorAll('path.leaflet-interactive, path').length > 50"
    )
    page.screenshot(path=str(ARTIFACTS / "overview.png"))

    # Find Qinzhou, fly there, click its marker, and read its services in the panel.
    page.click("#overview-find")
    page.keyboard.type("Qinzhou Port (QZ_PORT)")
    page.keyboard.press("Enter")
    page.wait_for_timeout(2500)  # the fly-to animation
    page.locator('.cw-node[data-code="QZ_PORT"]').click()
    panel = page.locator('#overview-node-panel[data-code="QZ_PORT"]')
    panel.wait_for(timeout=15_000)
    text = panel.inner_text()
    assert "Qinzhou Port" in text and "钦州港" in text
    assert "Terminal automation" in text and "Operational" in text
    assert "coverage 25%" in text
    page.screenshot(path=str(ARTIFACTS / "qinzhou.png"))

    offsite = [u for u in page.requested if not u.startswith((live_app, "data:"))]
    assert offsite == [], f"requests left the machine: {offsite[:5]}"


def test_chinese_interface(page, live_app):
    login(page, live_app, "analyst")
    page.click("#overview-lang-zh")
    page.wait_for_selector(".cw-node", timeout=30_000)
    assert "图例" in page.inner_text("#overview-legend")
    page.screenshot(path=str(ARTIFACTS / "overview-zh.png"))


@pytest.fixture
def live_feed(ais_tables, tmp_path):
    """Half an hour of simulated traffic ending now, ingested (committed) for the server."""
    import time
    from io import StringIO

    from django.core.management import call_command

    feed = tmp_path / "feed.nmea"
    call_command(
        "simulate_ais",
        "--out",
        str(feed),
        "--hours",
        "0.5",
        "--ships",
        "40",
        "--seed",
        "4",
        "--start",
        str(time.time() - 1800),
        stdout=StringIO(),
    )
    call_command(
        "ingest_ais",
        str(feed),
        "--spill-dir",
        str(tmp_path / "spill"),
        "--no-progress",
        stdout=StringIO(),
    )


def test_live_vessels_layer(live_feed, page, live_app):
    login(page, live_app)
    page.wait_for_selector(".cw-node", timeout=30_000)
    # The layer refreshes every 10 s; the status line says how many vessels are live.
    page.wait_for_function(
        "document.querySelector('#overview-ais-status').innerText.includes('vessels live')",
        timeout=20_000,
    )
    page.click("#overview-find")
    page.keyboard.type("Qinzhou Port (QZ_PORT)")
    page.keyboard.press("Enter")
    page.wait_for_timeout(2500)
    page.wait_for_selector(".cw-vessel", timeout=20_000)
    assert page.locator(".cw-vessel").count() >= 5
    panel = page.locator("#overview-vessel-panel")
    # The layer is redrawn every 10 s: a click that lands while it is redrawn is lost, so
    # click again (a few times at most) until the vessel's panel opens.
    for _ in range(4):
        page.locator(".cw-vessel").first.click(force=True)
        try:
            panel.wait_for(timeout=5_000)
            break
        except Exception:
            continue
    panel.wait_for(timeout=5_000)
    assert "MMSI 41" in panel.inner_text()
    page.screenshot(path=str(ARTIFACTS / "vessels.png"))


@pytest.fixture
def hostile_node():
    """A node whose name carries markup (names are free text; codes cannot: a slug
    validator refuses them), committed so that the served app sees it."""
    from django.contrib.gis.geos import Point

    from conftest import in_own_connection
    from geo.models import Node

    name = '<img src=x onerror="window.__xss=1">'
    in_own_connection(
        lambda: Node.objects.create(
            code="XSS_TEST",
            name_en=name,
            name_zh=name,
            kind="logistics_hub",
            kinds=["logistics_hub"],
            country="CN",
            geom=Point(107.0, 24.0, srid=4326),
            coord_quality="proxy",
        )
    )
    yield name
    in_own_connection(lambda: Node.objects.filter(code="XSS_TEST").delete())


def test_node_names_reach_the_map_as_text_not_markup(hostile_node, page, live_app):
    login(page, live_app)
    marker = page.wait_for_selector('.cw-node[data-code="XSS_TEST"]', timeout=30_000)
    assert marker.get_attribute("title") == f"{hostile_node} (XSS_TEST)"
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("window.__xss") is None
