"""The same rules for the same request, whatever the surface (issue 20): each costly figure
checks its window in its service, so the API (a 400 naming the field) and the Dash pages
(the page's notice) refuse the same out-of-bounds window with the same words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from core.limits import WindowRefused
from dash_app import gateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(login_as):
    return login_as(APIClient(), "analyst")


def user_id() -> int:
    return get_user_model().objects.get(username="analyst").pk


def refusal(response, field: str = "end") -> str:
    assert response.status_code == 400, response.content
    return str(
        response.json()[field][0]
        if isinstance(response.json()[field], list)
        else response.json()[field]
    )


def test_port_metrics(api):
    asked = {"start": "2024-01-01", "end": "2025-06-01"}  # 517 days: more than a year
    said = refusal(api.get("/api/ports/QZ_PORT/metrics/", asked))
    with pytest.raises(WindowRefused) as page:
        gateway.port_page("QZ_PORT", "en", date(2024, 1, 1), date(2025, 6, 1), user_id())
    assert str(page.value) == said == "at most 366 days after start"


def test_sensitivity(api):
    end = timezone.now().replace(microsecond=0)
    start = end - timedelta(days=40)
    asked = {"start": start.isoformat(), "end": end.isoformat()}
    said = refusal(api.get("/api/ports/QZ_PORT/sensitivity/", asked))
    assert gateway.port_sensitivity("QZ_PORT", user_id(), days=40) == said
    assert said == "at most 31 days after start"


def test_route_kpis(api):
    asked = {"start": "2022-01-01", "end": "2025-01-01"}
    said = refusal(api.get("/api/routes/E/kpis/", asked))
    with pytest.raises(WindowRefused) as page:
        gateway.route_kpis("E", "en", date(2022, 1, 1), date(2025, 1, 1))
    assert str(page.value) == said == "at most 731 days after start"


def test_sea_rail_transfer(api):
    end = timezone.now().replace(microsecond=0)
    asked = {"start": (end - timedelta(days=400)).isoformat(), "end": end.isoformat()}
    said = refusal(api.get("/api/ports/QZ_PORT/transfer/", asked))
    assert gateway.port_transfer("QZ_PORT", user_id(), days=400) == said
    assert said == "at most 366 days after start"


def test_a_reversed_window_is_refused_alike(api):
    said = refusal(
        api.get("/api/ports/QZ_PORT/metrics/", {"start": "2025-06-01", "end": "2025-01-01"}),
        "start",
    )
    with pytest.raises(WindowRefused) as page:
        gateway.port_page("QZ_PORT", "en", date(2025, 6, 1), date(2025, 1, 1), user_id())
    assert str(page.value) == said == "start is after end"


def test_the_pages_show_the_refusal(app, dash_page):
    """The pages themselves: the port page and the route page say it instead of clamping."""
    from dash_app.tests.test_callbacks import text_of

    port, route = dash_page(app, "port"), dash_page(app, "route")
    shown = port.layout("QZ_PORT", **{"from": "2024-01-01", "to": "2025-06-01"})
    assert "at most 366 days after start" in text_of(shown)
    shown = route.layout("E", **{"from": "2022-01-01", "to": "2025-01-01"})
    assert "at most 731 days after start" in text_of(shown)
