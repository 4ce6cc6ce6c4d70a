"""Route KPIs and the statistical day, against values computed by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest

from corridors.models import Route
from rail.models import RouteRailSetting, Train
from rail.services.kpis import percentile, route_kpis, statistical_day

pytestmark = pytest.mark.django_db
BJ = timedelta(hours=8)


def bj(y, m, d, hh, mm=0):
    """A Beijing wall-clock time as UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - BJ


def make_train(no, dep, status="arrived", late_min=0, transit_h=30.0, teu=100, orig_late=None):
    route = Route.objects.get(code="M")
    arr_booked = dep + timedelta(hours=transit_h) - timedelta(minutes=late_min)
    values = {
        "train_no": no,
        "service_date": (dep + BJ).date(),
        "route": route,
        "status": status,
        "dep_booked": dep,
        "dep_actual": dep if status in ("running", "arrived") else None,
        "teu": teu,
    }
    if status == "arrived":
        values |= {
            "arr_booked": arr_booked,
            "arr_actual": dep + timedelta(hours=transit_h),
            "delay_booked_s": late_min * 60,
            "delay_original_s": (orig_late if orig_late is not None else late_min) * 60,
            "transit_s": int(transit_h * 3600),
        }
    return Train.objects.create(**values)


def test_the_statistical_day_closes_at_18_beijing():
    assert statistical_day(bj(2026, 11, 3, 17, 59)) == date(2026, 11, 3)
    assert statistical_day(bj(2026, 11, 3, 18, 0)) == date(2026, 11, 4)
    assert statistical_day(bj(2026, 11, 3, 23, 0)) == date(2026, 11, 4)


def test_percentile_interpolates():
    assert percentile([10, 20, 30, 40], 0.9) == pytest.approx(37.0)
    assert percentile([], 0.9) is None


def test_weekly_kpis_with_cancellations_by_hand():
    # Week of Monday 2026-11-02. Four trains run, one cancelled, one still planned.
    make_train("A", bj(2026, 11, 2, 9), late_min=10, transit_h=30, orig_late=50)
    make_train("B", bj(2026, 11, 3, 9), late_min=45, transit_h=34)
    make_train("C", bj(2026, 11, 4, 9), late_min=0, transit_h=28)
    make_train("D", bj(2026, 11, 5, 9), status="running")
    make_train("E", bj(2026, 11, 5, 10), status="cancelled")
    make_train("F", bj(2026, 11, 8, 12), status="planned")
    # Leaves at 19:00 on Sunday the 8th: statistical day Monday the 9th, next week.
    make_train("G", bj(2026, 11, 8, 19), late_min=5, transit_h=40)
    rows = route_kpis(Route.objects.get(code="M"), date(2026, 11, 2), date(2026, 11, 15))
    week, nxt = rows
    assert week.period == date(2026, 11, 2)
    assert (week.trains_run, week.cancelled, week.planned, week.arrived) == (4, 1, 1, 3)
    assert week.teu == 400
    assert week.transit_median_h == 30.0
    assert week.transit_p90_h == pytest.approx(33.2)  # 30 + 0.8 * (34 - 30)
    # On time within 30 min: A (10) and C (0) of A, B, C; against the original plan only C.
    assert (week.on_time, week.punctuality) == (2, pytest.approx(0.6667, abs=1e-4))
    assert week.punctuality_original == pytest.approx(0.3333, abs=1e-4)
    assert week.threshold_min == 30
    assert (nxt.period, nxt.trains_run, nxt.arrived) == (date(2026, 11, 9), 1, 1)


def test_a_route_threshold_changes_punctuality_and_is_stated():
    make_train("B", bj(2026, 11, 3, 9), late_min=45)
    RouteRailSetting.objects.create(route=Route.objects.get(code="M"), punctuality_min=60)
    (week,) = route_kpis(Route.objects.get(code="M"), date(2026, 11, 2), date(2026, 11, 8))
    assert (week.punctuality, week.threshold_min) == (1.0, 60)


def test_daily_kpis_cover_every_day_even_empty_ones():
    make_train("A", bj(2026, 11, 2, 9))
    rows = route_kpis(Route.objects.get(code="M"), date(2026, 11, 1), date(2026, 11, 3), "day")
    assert [(r.period.day, r.trains_run) for r in rows] == [(1, 0), (2, 1), (3, 0)]
