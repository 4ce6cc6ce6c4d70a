"""The period every page opens on and offers: the latest data the system holds
(exports.services.figures.default_period, which the API and the report read too), and the
presets beside the period bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from core import periods
from exports.services import figures as export_figures


@dataclass(frozen=True)
class PeriodView:
    first: date
    last: date
    latest: date | None  # the latest day of data held; None: no data at all
    months: tuple[int, int]  # month indexes of [first, last], for the month sliders


@dataclass(frozen=True)
class Preset:
    label: str
    first: date
    last: date


def default_period() -> PeriodView:
    """The twelve months up to the latest data held (up to today without any data)."""
    found = export_figures.default_period()
    months = (periods.month_index(found.first), periods.month_index(found.last))
    return PeriodView(found.first, found.last, found.latest, months)


def default_period_months() -> tuple[int, int]:
    """Month indexes of the default period, for the month sliders."""
    found = export_figures.default_period()
    return periods.month_index(found.first), periods.month_index(found.last)


def report_period() -> tuple[str, str]:
    found = export_figures.default_period()
    return found.first.isoformat(), found.last.isoformat()


def period_presets() -> list[Preset]:
    """Periods one click away, each ending with the latest data held: its last 3 and 12
    months, its year so far, the year before."""
    found = export_figures.default_period()
    end = found.last
    index = periods.month_index(end)
    year_start = date(end.year, 1, 1)
    return [
        Preset(_("Last 3 months"), periods.month_start(index - 2), end),
        Preset(_("Last 12 months"), found.first, end),
        Preset(_("Year to date"), year_start, end),
        Preset(_("Previous year"), date(end.year - 1, 1, 1), date(end.year - 1, 12, 31)),
    ]
