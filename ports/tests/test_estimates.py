"""The AIS check of reported TEU: container calls of a month turned into an estimate with a
calibrated factor and its error, a reported figure far from it flagged for the reviewer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from core.periods import month_end, month_index
from tests.factories import make_call, make_port, make_positions, make_vessel

from ..models import ThroughputReport
from ..services import estimates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ais_tables")]


@pytest.fixture(autouse=True)
def fresh_calibration():
    cache.delete("ports:ais-calibration")
    yield
    cache.delete("ports:ais-calibration")


def month_of_calls(port, first: date, lengths: list[int], ais_days: int | None = None) -> None:
    """Calls of ships of `lengths` in the month of `first`, and AIS positions near the port
    on its first `ais_days` days (every day when None)."""
    for i, length in enumerate(lengths):
        vessel = make_vessel(ship_type=70, length_m=length)
        arrival = datetime.combine(first, datetime.min.time(), UTC) + timedelta(days=i)
        make_call(port, vessel, arrival)
    days = (month_end(month_index(first)) - first).days + 1 if ais_days is None else ais_days
    start = datetime.combine(first, datetime.min.time(), UTC) + timedelta(hours=12)
    seen = make_vessel(ship_type=70, length_m=50)
    make_positions(seen.mmsi, [(port.geom.x, port.geom.y, 0.0)] * days, start, step_s=86_400)


def official(port, first: date, value: int) -> ThroughputReport:
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return ThroughputReport.objects.create(
        node=port,
        period_kind="month",
        period_start=first,
        period_end=last,
        metric="teu",
        unit="teu",
        value=value,
        source="operator",
        status="approved",
        official=True,
    )


def test_capacity_follows_length():
    assert estimates.capacity_teu(None) == 0 and estimates.capacity_teu(90) == 0
    assert 900 < estimates.capacity_teu(150) < 1100
    assert 7000 < estimates.capacity_teu(300) < 8000
    small = make_vessel(ship_type=70, length_m=80)
    tanker = make_vessel(ship_type=80, length_m=250)
    port = make_port("EST_A", lon=112.0, lat=12.0)
    now = datetime(2026, 9, 5, tzinfo=UTC)
    make_call(port, small, now)
    make_call(port, tanker, now)
    assert estimates.container_calls(port, date(2026, 9, 1), date(2026, 9, 30)) == (0, 0.0)


def test_uncalibrated_estimate_uses_the_prior_and_says_so():
    port = make_port("EST_B", lon=112.5, lat=12.5)
    month_of_calls(port, date(2026, 9, 1), [300, 300])
    found = estimates.estimate_teu(port, date(2026, 9, 1), date(2026, 9, 30))
    assert found.calls == 2 and not found.calibrated and found.error_pct is None
    assert found.teu == pytest.approx(estimates.PRIOR_FACTOR * 2 * estimates.capacity_teu(300))


def test_calibration_fits_official_months_and_flags_far_reports():
    port = make_port("EST_C", lon=113.0, lat=13.0)
    cap = estimates.capacity_teu(250)
    for month, ships in ((6, 3), (7, 4), (8, 5)):
        first = date(2026, month, 1)
        month_of_calls(port, first, [250] * ships)
        official(port, first, round(0.3 * ships * cap))  # every month handles 30 % of capacity
    fit = estimates.calibrate()
    assert fit.points == 3 and fit.factor == pytest.approx(0.3, rel=1e-3)
    assert fit.error_pct == pytest.approx(0.0, abs=0.1)
    month_of_calls(port, date(2026, 9, 1), [250] * 4)
    near = ThroughputReport(
        node=port,
        period_kind="month",
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        metric="teu",
        value=Decimal(round(0.32 * 4 * cap)),
    )
    check = estimates.check_figure(near)
    assert check.estimate.calibrated and not check.flagged and abs(check.difference_pct) < 10
    near.value = Decimal(round(3 * 0.3 * 4 * cap))
    assert estimates.check_figure(near).flagged  # three times what AIS saw
    near.metric = "tonnes"
    assert estimates.check_figure(near) is None


def test_no_ais_is_no_data_never_zero_and_never_flagged():
    port = make_port("EST_D", lon=113.5, lat=13.5)
    month_of_calls(port, date(2026, 6, 1), [250] * 3)
    figure = ThroughputReport(
        node=port,
        period_kind="month",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 7, 31),
        metric="teu",
        value=Decimal(90_000),
    )
    check = estimates.check_figure(figure)  # July: no position near the port at all
    assert check.estimate.teu is None and check.estimate.covered_days == 0
    assert not check.flagged and check.difference_pct is None
    # A month AIS covered on part of its days: stated, and no verdict either.
    month_of_calls(port, date(2026, 8, 1), [250], ais_days=10)
    august = estimates.estimate_teu(port, date(2026, 8, 1), date(2026, 8, 31))
    assert (august.covered_days, august.days, august.complete) == (10, 31, False)
    figure.period_start, figure.period_end = date(2026, 8, 1), date(2026, 8, 31)
    assert not estimates.check_figure(figure).flagged


def test_the_review_queue_says_no_ais_data(client, login_as):

    port = make_port("EST_E", lon=114.0, lat=14.0)
    month_of_calls(port, date(2026, 6, 1), [250])
    report = ThroughputReport.objects.create(
        node=port,
        period_kind="month",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 7, 31),
        metric="teu",
        unit="teu",
        value=Decimal(90_000),
        source="operator",
        status="submitted",
        current=True,
    )
    login_as(client, "official")
    page = client.get("/review/").content.decode()
    cell = page[page.index(f'id="review-ais-{report.pk}"') :][:400]
    assert "no AIS data" in cell and "0 TEU" not in cell and "far from" not in cell
