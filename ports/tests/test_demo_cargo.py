"""The demo's cargo is drawn apart from the AIS estimator: the simulator decides what each
call really moved; the operators' figures are those sums; the estimator sees only stored
calls and positions. So the AIS check's error is a measurement: a bias planted in the
simulator's load factor shows up as the estimate's error."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from ais.demo.simulator import Simulator, load_lanes, monthly_teu
from ais.models import Vessel
from core.periods import month_end, month_index
from geo.models import Node
from portcalls.models import DetectionRule, PortCall
from tests.factories import make_positions

from ..models import ThroughputReport
from ..services import estimates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ais_tables")]
MONTHS = [date(2026, m, 1) for m in (6, 7, 8, 9)]
_ids = itertools.count(1)


def _utc(day: date) -> float:
    return datetime.combine(day, datetime.min.time(), UTC).timestamp()


def simulate_month(first: date, bias: float, seed: int, store: bool = True) -> float:
    """Simulate a month of traffic, store its Qinzhou calls and a position a day (AIS
    coverage) as the ingester and the detector would, and return what the calls moved.
    The same seed gives the same traffic whatever the bias (the cargo draws apart)."""
    lanes = load_lanes(Path(settings.CW_DATA_DIR) / "sea_lanes.geojson")
    sim = Simulator(lanes, seed=seed, load_bias=bias)
    last = month_end(month_index(first))
    start, end = _utc(first), _utc(last + timedelta(days=1))
    plan = sim.plan(start - 3 * 86400, end - start + 3 * 86400, arrivals_per_hour=3.0)
    if not store:
        return monthly_teu(plan.calls, start, end).get(("QZ_PORT", f"{first:%Y-%m}"), 0.0)
    port = Node.objects.get(code="QZ_PORT")
    rule = DetectionRule.objects.get(node=port, valid_to__isnull=True)
    ships = {s.mmsi: s for s in plan.ships}
    calls = [c for c in plan.calls if c.port == "QZ_PORT" and start <= c.berth_start_s < end]
    Vessel.objects.bulk_create(
        [
            Vessel(
                mmsi=c.mmsi,
                ship_type=ships[c.mmsi].ship_type,
                length_m=ships[c.mmsi].length_m,
                first_seen_at=datetime.fromtimestamp(c.arrival_s, UTC),
            )
            for c in calls
        ],
        ignore_conflicts=True,
    )
    PortCall.objects.bulk_create(
        [
            PortCall(
                stable_id=f"demo{next(_ids):012d}",
                vessel_id=c.mmsi,
                node=port,
                rule=rule,
                arrival_at=datetime.fromtimestamp(c.berth_start_s, UTC),
                departure_at=datetime.fromtimestamp(c.departure_s, UTC),
            )
            for c in calls
        ]
    )
    days = (last - first).days + 1
    noon = datetime.combine(first, datetime.min.time(), UTC) + timedelta(hours=12)
    make_positions(999_000_000 + seed, [(108.607, 21.69, 0.0)] * days, noon, step_s=86_400)
    return monthly_teu(plan.calls, start, end).get(("QZ_PORT", f"{first:%Y-%m}"), 0.0)


def report(first: date, teu: float) -> ThroughputReport:
    return ThroughputReport.objects.create(
        node=Node.objects.get(code="QZ_PORT"),
        period_kind="month",
        period_start=first,
        period_end=month_end(month_index(first)),
        metric="teu",
        unit="teu",
        value=Decimal(round(teu)),
        source="operator",
        status="approved",
        official=True,
        current=True,
    )


def test_a_bias_planted_in_the_load_factor_is_the_estimates_error():
    cache.delete("ports:ais-calibration")
    truths = [
        simulate_month(m, 1.0, seed) for m, seed in zip(MONTHS[:3], (11, 12, 13), strict=True)
    ]
    assert all(t > 1000 for t in truths)  # a month of Qinzhou's container calls
    for first, teu in zip(MONTHS[:3], truths, strict=True):
        report(first, teu)
    fit = estimates.calibrate()
    assert fit.points == 3 and fit.error_pct is not None and fit.error_pct < 12
    # September: the same traffic, the operators' figure with and without a planted bias.
    fair = simulate_month(MONTHS[3], 1.0, 14)
    biased = simulate_month(MONTHS[3], 1.4, 14, store=False)
    assert biased / fair == pytest.approx(1.4, rel=0.01)
    checks = []
    for teu in (fair, biased):
        figure = ThroughputReport(
            node=Node.objects.get(code="QZ_PORT"),
            period_kind="month",
            period_start=MONTHS[3],
            period_end=month_end(month_index(MONTHS[3])),
            metric="teu",
            trade="total",
            direction="total",
            value=Decimal(round(teu)),
        )
        checks.append(estimates.check_figure(figure))
    fair_check, biased_check = checks
    assert fair_check.estimate.complete and fair_check.estimate.points == 3
    assert abs(fair_check.difference_pct) < 25 and not fair_check.flagged
    # The estimate saw the same calls both times: the bias is all of the difference.
    ratio = (1 + biased_check.difference_pct / 100) / (1 + fair_check.difference_pct / 100)
    assert ratio == pytest.approx(1.4, rel=0.01)
    assert biased_check.flagged


def test_the_estimator_reads_no_simulator_truth():
    """Not a module of the estimator's imports the demo (checked on the import graph)."""
    root = Path(__file__).resolve().parents[2]
    for path in (root / "ports" / "services" / "estimates.py",):
        tree = ast.parse(path.read_text())
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        ]
        assert not any("demo" in name or "simulator" in name for name in names), path


def test_the_demos_operator_figures_are_what_the_calls_moved():
    from core.periods import add_months
    from ports.management.commands.backfill_demo import Command

    today = date.today()
    first = add_months(today, -2)  # two whole months before this one
    lanes = load_lanes(Path(settings.CW_DATA_DIR) / "sea_lanes.geojson")
    start = _utc(first)
    plan = Simulator(lanes, seed=5).plan(start, _utc(today) - start, arrivals_per_hour=1.0)
    assert Command().figures(first, plan) >= 4
    moved = monthly_teu(plan.calls, start, _utc(add_months(today, 0)))
    reported = ThroughputReport.objects.filter(reporting_entity="demo operator (simulated)")
    assert {(r.node.code, f"{r.period_start:%Y-%m}"): float(r.value) for r in reported} == {
        key: round(teu) for key, teu in moved.items()
    }
    newest = add_months(today, -1)
    assert {r.status for r in reported if r.period_start == newest} == {"submitted"}
    assert {r.status for r in reported if r.period_start == first} == {"approved"}
