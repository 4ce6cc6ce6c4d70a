"""The AIS check of reported container throughput: each watched port's monthly container
calls (from the detected port calls) turned into an estimate of TEU handled, beside the
operator's figure, with the model's error.

The model (documented, deliberately simple):
- a call counts when its vessel's AIS ship type is cargo (70-79) and it is at least
  MIN_LENGTH_M long (AIS does not say "container ship"; smaller cargo ships are mostly
  general cargo and bulk in the Beibu Gulf);
- its capacity in TEU follows its length: `CAPACITY_A * length_m ** CAPACITY_B`, a power
  law through the typical sizes of container ships (150 m ~ 1,000 TEU, 200 m ~ 2,400,
  300 m ~ 7,600, 366 m ~ 13,800);
- TEU handled in a month = `factor` x the summed capacity of its calls, `factor` being the
  share of a ship's capacity moved (loaded plus unloaded) per call. It is calibrated by
  least squares through the origin on every (port, month) where an official TEU figure and
  port calls both exist; the error shown is the mean absolute percentage error of that fit.
  With fewer than MIN_POINTS such months the prior PRIOR_FACTOR is used and the estimate
  is marked uncalibrated.
- AIS coverage: an estimate holds only the days on which AIS saw any vessel near the port
  (`portcalls.services.calls.ais_days`). A period without such a day has no estimate ("no
  AIS data", never 0 TEU); a period covered on part of its days is stated as such and is
  neither flagged against nor used for calibration.

It reads only what is stored: positions, port calls and official figures (never the demo
simulator's cargo: a test plants a bias in the simulator and sees it as the error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.cache import cache

from ais.choices import CONTAINER_MIN_LENGTH_M, container_ships
from core.periods import day_bounds
from geo.models import Node
from portcalls.models import PortCall
from portcalls.services.calls import ais_days

from ..models import ThroughputReport

CAPACITY_A = 2.8e-4
CAPACITY_B = 3.0
MIN_LENGTH_M = CONTAINER_MIN_LENGTH_M
PRIOR_FACTOR = 0.45
MIN_POINTS = 3
TOLERANCE = 0.5  # a reported figure more than 50 % away from the estimate is flagged
CALIBRATION_CACHE_S = 600


def capacity_teu(length_m: int | None) -> float:
    """A container ship's capacity from its length (0 below MIN_LENGTH_M or unknown)."""
    if not length_m or length_m < MIN_LENGTH_M:
        return 0.0
    return float(CAPACITY_A * length_m**CAPACITY_B)


def container_calls(node: Node, first: date, last: date) -> tuple[int, float]:
    """(container calls, their summed capacity in TEU) of calls arriving at `node` on the
    days [first, last]."""
    start, end = day_bounds(first, last)
    calls = (
        PortCall.objects.filter(
            node=node,
            arrival_at__gte=start,
            arrival_at__lt=end,
        )
        .filter(container_ships("vessel__"))
        .values_list("vessel__length_m", flat=True)
    )
    lengths = list(calls)
    return len(lengths), sum(capacity_teu(length) for length in lengths)


@dataclass(frozen=True)
class Calibration:
    factor: float
    error_pct: float | None  # mean absolute percentage error of the fit
    points: int

    @property
    def calibrated(self) -> bool:
        return self.points >= MIN_POINTS


def calibrate() -> Calibration:
    """Fit `factor` on every month with an official TEU total and container calls."""
    cached = cache.get("ports:ais-calibration")
    if cached is not None:
        return Calibration(*cached)
    pairs: list[tuple[float, float]] = []
    official = (
        ThroughputReport.objects.effective()
        .whole("teu")
        .filter(period_kind="month", node__in=PortCall.objects.values("node"))
    )
    for figure in official.select_related("node"):
        days = (figure.period_end - figure.period_start).days + 1
        if len(ais_days(figure.node, figure.period_start, figure.period_end)) < days:
            continue  # AIS did not cover the whole month: the calls are not all known
        _, capacity = container_calls(figure.node, figure.period_start, figure.period_end)
        if capacity > 0:
            pairs.append((capacity, float(figure.value)))
    if len(pairs) < MIN_POINTS:
        result = Calibration(PRIOR_FACTOR, None, len(pairs))
    else:
        factor = sum(c * v for c, v in pairs) / sum(c * c for c, _ in pairs)
        errors = [abs(factor * c - v) / v for c, v in pairs if v > 0]
        result = Calibration(
            factor, 100 * sum(errors) / len(errors) if errors else None, len(pairs)
        )
    cache.set(
        "ports:ais-calibration",
        (result.factor, result.error_pct, result.points),
        CALIBRATION_CACHE_S,
    )
    return result


@dataclass(frozen=True)
class Estimate:
    """TEU handled at a port in a period as AIS sees it: `teu` None when AIS covered none
    of its `days` ("no AIS data"); `covered_days` of them had positions near the port;
    `points` months calibrate the factor."""

    calls: int
    capacity_teu: float
    teu: float | None
    factor: float
    error_pct: float | None
    calibrated: bool
    days: int = 0
    covered_days: int = 0
    points: int = 0

    @property
    def complete(self) -> bool:
        """AIS covered every day of the period."""
        return self.covered_days == self.days and self.days > 0


def estimate_teu(node: Node, first: date, last: date) -> Estimate | None:
    """The AIS estimate for a watched port's period (None for a node without calls)."""
    if not PortCall.objects.filter(node=node).exists():
        return None
    covered = len(ais_days(node, first, last))
    calls, capacity = container_calls(node, first, last)
    calibration = calibrate()
    return Estimate(
        calls,
        capacity,
        calibration.factor * capacity if covered else None,
        calibration.factor,
        calibration.error_pct,
        calibration.calibrated,
        days=(last - first).days + 1,
        covered_days=covered,
        points=calibration.points,
    )


@dataclass(frozen=True)
class Check:
    """A reported TEU figure against the AIS estimate: `difference_pct` of the estimate,
    `flagged` beyond the tolerance."""

    estimate: Estimate
    difference_pct: float | None
    flagged: bool


def check_figure(report: ThroughputReport) -> Check | None:
    """The AIS check of a container figure (TEU, container or all cargo, no breakdown by
    trade or direction); None when AIS has nothing to say about it."""
    if report.metric != "teu" or report.trade != "total" or report.direction != "total":
        return None
    estimate = estimate_teu(report.node, report.period_start, report.period_end)
    if estimate is None:
        return None
    if estimate.teu is None or not estimate.complete:
        return Check(estimate, None, False)  # no AIS data, or not all of it: no verdict
    if estimate.teu <= 0:
        return Check(estimate, None, report.value > 0)
    difference = (float(report.value) - estimate.teu) / estimate.teu
    return Check(estimate, round(100 * difference, 1), abs(difference) > TOLERANCE)
