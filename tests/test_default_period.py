"""One default period everywhere (issue 21): the twelve months up to the latest data the
system holds, the same on every page, in the report and the API; with no data at all, the
twelve months up to today and every figure "no data", never 0."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ais.models import Vessel, VesselLatest, VesselPosition
from core.periods import month_end, month_index, month_start
from dash_app import gateway
from exports.services import figures
from exports.services.report import build, trains_line
from portcalls.models import PortCall
from ports.models import ThroughputReport
from rail.models import Train
from tests.factories import make_figure

pytestmark = pytest.mark.django_db


def no_data() -> None:
    """Empty every table a period's figures come from (the test's transaction undoes it)."""
    for model in (PortCall, VesselPosition, VesselLatest, Vessel, Train, ThroughputReport):
        model.objects.all().delete()


def test_data_ending_in_march_2024_opens_on_april_2023_to_march_2024(login_as):
    from geo.models import Node

    no_data()
    make_figure(Node.objects.get(code="QZ_PORT"), "2024-03-01", "2024-03-31", 650_000)
    found = figures.default_period()
    assert (found.first, found.last, found.latest) == (
        date(2023, 4, 1),
        date(2024, 3, 31),
        date(2024, 3, 31),
    )
    # Every surface opens on it: the page sliders, the report, the API's headline.
    assert gateway.default_period_months() == (
        month_index(date(2023, 4, 1)),
        month_index(date(2024, 3, 1)),
    )
    assert gateway.report_period() == ("2023-04-01", "2024-03-31")
    body = login_as(APIClient(), "analyst").get("/api/figures/headline/").json()
    assert (body["first"], body["last"]) == ("2023-04-01", "2024-03-31")
    teu = body["figures"][0]
    assert teu["key"] == "teu" and teu["value"] == 650_000
    # The presets end with the latest data too.
    presets = {p.label: (p.first, p.last) for p in gateway.period_presets()}
    assert presets["Last 3 months"] == (date(2024, 1, 1), date(2024, 3, 31))
    assert presets["Previous year"] == (date(2023, 1, 1), date(2023, 12, 31))


def test_the_latest_data_of_any_kind_moves_the_period():
    no_data()
    Train.objects.create(train_no="X1", service_date=date(2025, 8, 20), status="arrived", teu=80)
    found = figures.default_period()
    assert (found.first, found.last) == (date(2024, 9, 1), date(2025, 8, 31))
    assert found.latest == date(2025, 8, 20)


def test_no_data_at_all_opens_on_the_last_twelve_months_and_says_no_data():
    no_data()
    today = timezone.now().date()
    found = figures.default_period()
    assert found.latest is None and found.last == min(month_end(month_index(today)), today)
    assert found.first == month_start(month_index(today) - 11)
    strip = figures.headline(found.first, found.last)
    values = {f.key: f.value for f in strip.figures}
    # No figure, no train, no AIS: "no data" (None, shown "—"), never 0.
    assert values["teu"] is None and values["trains"] is None
    assert values["calls"] is None and values["wait"] is None
    report = build(None, found.first, found.last, "en")
    assert report.ports and all(p.calls is None for p in report.ports)
    assert "no train data" in trains_line(report)


def test_calls_are_zero_only_where_ais_saw_the_port():
    """A port AIS covered in the period and no call there: 0; one it never saw: no data."""
    from django.contrib.gis.geos import Point

    from portcalls.services.calls import watched_ports
    from portcalls.services.metrics import period_calls

    no_data()
    port = watched_ports().order_by("code").first()
    assert period_calls(date(2025, 11, 1), date(2025, 11, 30), [port]).count is None
    fence = port.geofences.filter(kind="port_limit", valid_to__isnull=True).first()
    inside = fence.geom.point_on_surface
    VesselPosition.objects.create(
        mmsi=412000001,
        ts=datetime(2025, 11, 10, 8, tzinfo=UTC),
        geom=Point(inside.x, inside.y, srid=4326),
        msg_type=1,
    )
    seen = period_calls(date(2025, 11, 1), date(2025, 11, 30), [port])
    assert seen.calls == 0 and seen.count == 0
