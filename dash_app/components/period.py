"""The period every page follows.

The address carries it (`?from=2025-01&to=2025-12`: whole months; or days,
`?from=2025-10-01&to=2025-11-25`), so a view can be shared; a month slider (a day-range
picker on the port page) rewrites it and Dash Pages renders the page again; links between
pages carry it (`assets/period.js`), so an official who chose a period on the map keeps it
on the node, port, coverage and KPI pages.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from urllib.parse import parse_qsl, urlencode

from dash import MATCH, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate
from django.utils.translation import gettext as _

from core.ingest.tables import FIRST_YEAR, LAST_YEAR
from core.periods import month_start
from dash_app import gateway


def parse_day(text: object, end: bool = False) -> date | None:
    """A day from "YYYY-MM-DD", or a month's first (last, when `end`) day from "YYYY-MM";
    None for anything else (it comes from an address: anything may arrive)."""
    if not isinstance(text, str) or len(text) not in (7, 10):
        return None
    try:
        year, month = int(text[:4]), int(text[5:7])
        if text[4] != "-" or not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            return None
        if len(text) == 7:
            return date(year, month, monthrange(year, month)[1] if end else 1)
        if text[7] != "-":
            return None
        return date(year, month, int(text[8:]))
    except ValueError:
        return None


def period_from_query(query: dict) -> tuple[date, date] | None:
    """The period a link names (None when it names none, or not both ends)."""
    first, last = parse_day(query.get("from")), parse_day(query.get("to"), end=True)
    if first is None or last is None:
        return None
    return (first, last) if first <= last else (last, first)


def chosen_period(query: dict) -> tuple[date, date]:
    """The period a link names, else the default every page shares: the twelve months up
    to the latest data the system holds."""
    period = period_from_query(query)
    if period is None:
        found = gateway.default_period()
        period = (found.first, found.last)
    return period


def chosen_months(query: dict) -> tuple[int, int]:
    """`chosen_period` as the month slider's indexes."""
    return months_from_query(query) or gateway.default_period_months()


def presets(query: dict) -> html.Div:
    """Links to the preset periods (each ending with the latest data held), the page's
    other parameters kept."""
    search = urlencode([(k, v) for k, v in query.items() if isinstance(v, str)])
    return html.Div(
        className="cw-presets",
        children=[
            html.A(
                p.label,
                href=with_period(search, p.first.isoformat(), p.last.isoformat()),
                className="cw-preset",
            )
            for p in gateway.period_presets()
        ],
    )


def months_of(value: object) -> tuple[int, int]:
    """Month indexes [first, last] of a slider's value, both within the slider's range
    (anything else, from a forged callback too: the default period)."""
    low, high = gateway.month_range()
    if not (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return gateway.default_period_months()
    first, last = (min(max(v, low), high) for v in sorted(value))
    return first, last


def months_from_query(query: dict) -> tuple[int, int] | None:
    """The period a link names as month indexes within the slider's range."""
    period = period_from_query(query)
    if period is None:
        return None
    low, high = gateway.month_range()
    first = min(max(gateway.month_index(period[0]), low), high)
    last = min(max(gateway.month_index(period[1]), low), high)
    return first, last


def with_period(search: object, first: str, last: str) -> str:
    """The query string `search` with its period replaced (everything else kept)."""
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True) if isinstance(search, str) else []
    kept = [(k, v) for k, v in pairs if k not in ("from", "to")]
    return "?" + urlencode([*kept, ("from", first), ("to", last)])


def with_param(search: object, name: str, value: str) -> str:
    """The query string `search` with `name` set to `value` (removed when empty)."""
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True) if isinstance(search, str) else []
    kept = [(k, v) for k, v in pairs if k != name]
    return "?" + urlencode([*kept, (name, value)] if value else kept)


def range_slider(slider_id: str | dict[str, str], first: int, last: int) -> html.Div:
    """The month range slider (month indexes, a mark each January) of every page."""
    low, high = gateway.month_range()
    marks = {i: str(month_start(i).year) for i in range(low, high + 1) if month_start(i).month == 1}
    return html.Div(
        dcc.RangeSlider(
            id=slider_id,
            min=low,
            max=high,
            step=1,
            value=[first, last],
            marks=marks,
            allowCross=False,
            updatemode="mouseup",
            allow_direct_input=False,
        ),
        className="cw-period-slider",
    )


def month_slider(
    page: str, first: int, last: int, note: str = "", query: dict | None = None
) -> html.Div:
    """A month range slider whose change reloads the page for the new period, the presets
    beside it."""
    a, b = gateway.month_bounds(first, last)
    return html.Div(
        className="cw-period",
        id=f"{page}-period",
        children=[
            html.Span(_("Period"), className="cw-muted"),
            range_slider({"type": "cw-period", "page": page}, first, last),
            html.Span(
                f"{a:%Y-%m} – {b:%Y-%m}" + (f" · {note}" if note else ""),
                id=f"{page}-period-label",
                className="cw-muted",
            ),
            presets(query or {}),
            dcc.Location(id={"type": "cw-period-url", "page": page}, refresh="callback-nav"),
        ],
    )


def day_range(
    page: str, first: date, last: date, note: str = "", query: dict | None = None
) -> html.Div:
    """A day-range picker whose change reloads the page for the new period, the presets
    beside it."""
    return html.Div(
        className="cw-period",
        id=f"{page}-period",
        children=[
            html.Span(_("Period"), className="cw-muted"),
            dcc.DatePickerRange(
                id={"type": "cw-period-days", "page": page},
                start_date=first,
                end_date=last,
                min_date_allowed=date(2017, 1, 1),
                max_date_allowed=date.today(),
                display_format="YYYY-MM-DD",
                first_day_of_week=1,
                minimum_nights=0,
            ),
            html.Span(note, id=f"{page}-period-label", className="cw-muted"),
            presets(query or {}),
            dcc.Location(id={"type": "cw-period-url", "page": page}, refresh="callback-nav"),
        ],
    )


@callback(
    Output({"type": "cw-period-url", "page": MATCH}, "search"),
    Input({"type": "cw-period", "page": MATCH}, "value"),
    State({"type": "cw-period-url", "page": MATCH}, "search"),
    prevent_initial_call=True,
)
def follow_months(value: object, search: object) -> str:
    a, b = gateway.month_bounds(*months_of(value))
    return with_period(search, f"{a:%Y-%m}", f"{b:%Y-%m}")


@callback(
    Output({"type": "cw-period-url", "page": MATCH}, "search", allow_duplicate=True),
    Input({"type": "cw-period-days", "page": MATCH}, "start_date"),
    Input({"type": "cw-period-days", "page": MATCH}, "end_date"),
    State({"type": "cw-period-url", "page": MATCH}, "search"),
    prevent_initial_call=True,
)
def follow_days(start: object, end: object, search: object) -> str:
    first, last = parse_day(start), parse_day(end)
    if first is None or last is None:
        raise PreventUpdate
    first, last = min(first, last), max(first, last)
    return with_period(search, first.isoformat(), last.isoformat())
