"""The gateway: what Dash pages read, as plain data (never model instances), the same rules
as the API, and None (not a 500) for anything unknown."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from core.limits import WindowRefused
from dash_app import gateway
from tests.factories import make_call, make_node, make_port, make_vessel

pytestmark = pytest.mark.django_db


def no_models(value) -> None:
    """Nothing in `value` (dataclasses, dicts, lists) is a model instance."""
    if isinstance(value, models.Model):
        raise AssertionError(f"a model instance leaked: {value!r}")
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            no_models(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            no_models(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            no_models(item)


def test_node_detail_is_plain_data_in_the_users_language():
    node = make_node("GW_TEST", name_en="Gateway Port", name_zh="网关港")
    en = gateway.node_detail(node.code, "en")
    zh = gateway.node_detail(node.code, "zh-hans")
    assert (en.name, zh.name) == ("Gateway Port", "网关港")
    assert en.coverage_assessed is False and en.figures == [] and en.port_page is False
    no_models(en)
    assert gateway.node_detail("NOPE", "en") is None


def test_node_figures_come_from_the_ports_service():
    from ports.services.throughput import node_figures

    detail = gateway.node_detail("QZ_PORT", "en")
    assert [f.entity for f in detail.figures] == [
        f.entity
        for f in node_figures(__import__("geo.models").models.Node.objects.get(code="QZ_PORT"))
    ]
    assert detail.group and any(f.node == "BBG" for f in detail.figures)


def test_port_page_for_a_watched_port_and_none_otherwise():
    port = make_port("GW_PORT")
    vessel = make_vessel(name="BERTHED ONE")
    now = timezone.now()
    make_call(port, vessel, now - timedelta(hours=5), berth_start_at=now - timedelta(hours=4))
    page = gateway.port_page(port.code, "en")
    no_models(page)
    assert page.code == "GW_PORT" and "1 kn or slower" in page.rule_text
    [call] = page.calls
    assert call.vessel == "BERTHED ONE" and call.berth_end is not None  # open: ends now
    assert len(page.metrics["days"]) == 56  # the last eight weeks by default
    from datetime import date

    week = gateway.port_page(port.code, "en", date(2026, 9, 1), date(2026, 9, 7))
    assert week.metrics["days"][0]["date"] == "2026-09-01"
    assert len(week.metrics["days"]) == 7 and week.calls == []  # the call is not in it
    year = gateway.port_page(port.code, "en", date(2025, 10, 1), date(2026, 9, 30))
    assert len(year.metrics["days"]) == 365  # a year: the metrics take up to 366 days
    with pytest.raises(WindowRefused, match="at most 366 days"):  # as the API refuses it
        gateway.port_page(port.code, "en", date(2020, 1, 1), date(2026, 9, 30))
    assert gateway.port_page("HH", "en") is None  # a node without a rule is not a port


def test_vessel_detail_accepts_only_mmsis():
    vessel = make_vessel(name="CLICKED")
    assert gateway.vessel_detail(vessel.mmsi, "en").name == "CLICKED"
    assert gateway.vessel_detail(str(vessel.mmsi), "en").mmsi == vessel.mmsi
    for junk in ("abc", -1, 10**12, True, None, {"x": 1}, "1; DROP TABLE", 1.5):
        assert gateway.vessel_detail(junk, "en") is None
        assert gateway.vessel_track_line(junk) is None


def test_coverage_colour_scale_is_one_scale():
    assert gateway.coverage_colour(0.0) == "#d73027"  # (215, 48, 39)
    assert gateway.coverage_colour(1.0) == "#4575b4"  # (69, 117, 180) blue: colour-blind safe
    assert gateway.coverage_colour(0.5) == "#fee090"  # (254, 224, 144)
    assert gateway.coverage_colour(2.0) == gateway.coverage_colour(1.0)  # clamped
    layer = gateway.map_nodes("en")
    qz = next(f for f in layer["features"] if f["id"] == "QZ_PORT")["properties"]
    assert qz["colour"] == gateway.coverage_colour(qz["coverage_score"])


def test_congested_ports_are_computed_once_per_few_minutes(monkeypatch):
    from django.core.cache import cache

    from portcalls.services import metrics

    cache.clear()
    calls = []
    real = metrics.port_metrics
    monkeypatch.setattr(
        metrics, "port_metrics", lambda *a, **k: calls.append(a[0].code) or real(*a, **k)
    )
    gateway.map_nodes("en")
    first = len(calls)
    gateway.map_nodes("en", route="E")
    gateway.map_nodes("zh-hans")
    assert first == metrics.watched_ports().count() and len(calls) == first
    cache.clear()


def test_port_sensitivity_unknown_port_and_budget(monkeypatch):
    from portcalls.services import metrics

    assert gateway.port_sensitivity("NOPE", None) is None
    monkeypatch.setattr(metrics, "MAX_ROW_RUNS", 0)

    def refuse(*a, **k):
        raise metrics.TooMuchWork("too many positions")

    monkeypatch.setattr(metrics, "sensitivity", refuse)
    assert gateway.port_sensitivity("QZ_PORT", None) == "too many positions"


@pytest.mark.usefixtures("ais_tables")
def test_node_throughput_distinguishes_official_pending_and_ais():
    from datetime import UTC, datetime

    from ports.models import ThroughputReport
    from tests.factories import make_call, make_port, make_positions, make_vessel

    port = make_port("GW_TP", lon=114.0, lat=14.0)
    today = timezone.now().date()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    before = (last - timedelta(days=1)).replace(day=1)
    month_end = today.replace(day=1) - timedelta(days=1)
    for start, end, status, official in (
        (before, last - timedelta(days=1), "approved", True),
        (last, month_end, "submitted", False),
    ):
        ThroughputReport.objects.create(
            node=port,
            period_kind="month",
            period_start=start,
            period_end=end,
            metric="teu",
            unit="teu",
            value=1000,
            source="operator",
            status=status,
            official=official,
        )
    make_call(
        port,
        make_vessel(ship_type=70, length_m=250),
        datetime.combine(last, datetime.min.time(), UTC),
    )
    # AIS covers every day of the last month only: the month before has no AIS data.
    days = (month_end - last).days + 1
    seen = make_vessel(ship_type=70, length_m=50).mmsi
    noon = datetime.combine(last, datetime.min.time(), UTC) + timedelta(hours=12)
    make_positions(seen, [(114.0, 14.0, 0.0)] * days, noon, step_s=86_400)
    series = gateway.node_throughput("GW_TP")
    assert series.months[-2:] == [f"{before:%Y-%m}", f"{last:%Y-%m}"]
    assert series.official[-2:] == [1000.0, None] and series.pending[-2:] == [None, 1000.0]
    assert series.ais[-1] is not None and series.ais[-2] is None
    assert gateway.node_throughput("NOPE") is None
    assert gateway.node_throughput("HH").empty


def test_nodes_are_found_by_either_name_code_or_unlocode():
    options = {o["value"]: o for o in gateway.node_options("en")}
    qinzhou = options["QZ_PORT"]
    for word in ("Qinzhou", "钦州港", "QZ_PORT", "CNQZH"):
        assert word in qinzhou["search"], word
    assert "CNQZH" in qinzhou["label"]


def test_the_map_nodes_carry_a_hover_line_for_the_period():
    from datetime import date

    nodes = gateway.map_nodes("en", None, (date(2025, 1, 1), date(2025, 12, 31)))
    with_teu = [f["properties"] for f in nodes["features"] if f["properties"]["latest_teu"]]
    assert with_teu  # the published figures of 2025
    for p in with_teu:
        assert f"{p['latest_teu']:,.0f} TEU" in p["headline"]
    qz = next(f for f in nodes["features"] if f["id"] == "QZ_PORT")["properties"]
    assert "coverage 38%" in qz["headline"]  # 4.5 of 12 (see geo/tests/test_services.py)
    empty = gateway.map_nodes("en", None, (date(1995, 1, 1), date(1995, 12, 31)))
    qz = next(f for f in empty["features"] if f["id"] == "QZ_PORT")["properties"]
    assert qz["latest_teu"] is None and "no TEU figure" in qz["headline"]


def test_the_coverage_gap_layer_names_what_is_lacking_and_who_offers_it():
    layer = gateway.coverage_gap_layer("en", "E")
    m = gateway.coverage_matrix("en", "E")
    assert {f["id"] for f in layer["features"]} == {g[1] for g in m.gaps}
    feature = layer["features"][0]
    gaps = [g for g in m.gaps if g[1] == feature["id"]]
    assert feature["properties"]["gaps"] == len({g[2] for g in gaps})
    assert all("(" in line for line in feature["properties"]["lacks"])


def test_the_coverage_gaps_read_in_names_not_codes():
    """Issue 21 (6): the coverage page's gap rows name the route, the node, the service and
    the neighbours offering it ("QZ_EAST five_g BH_PORT" was unreadable)."""
    from geo.models import DigitalServiceCategory, Node

    m = gateway.coverage_matrix("en", "E")
    assert m.gap_rows and len(m.gap_rows) == len(m.gaps)
    for (route, node, category, offered), shown in zip(m.gaps, m.gap_rows, strict=True):
        assert shown[0].startswith(f"{route} · ")
        assert shown[1] == Node.objects.get(code=node).name_en
        assert shown[2] == DigitalServiceCategory.objects.get(code=category).name_en
        assert shown[3] == ", ".join(Node.objects.get(code=c).name_en for c in offered.split(", "))
    zh = gateway.coverage_matrix("zh-hans", "E")
    assert zh.gap_rows[0][1] == Node.objects.get(code=m.gaps[0][1]).name_zh
