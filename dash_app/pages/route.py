"""Route KPI page: weekly trains, TEU, transit time and punctuality, with the threshold and
the statistical-day rule stated beside the figures."""

from __future__ import annotations

import dash
from dash import dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from core.limits import WindowRefused
from dash_app import figures, gateway
from dash_app.components import period as period_bar

dash.register_page(__name__, path_template="/route/<code>", name="Route", title="Route KPIs")


def layout(code: str = "", **query) -> html.Div:
    """`?from=&to=` picks the weeks (default the twelve months up to the latest data held,
    as on every page; a period the KPIs refuse is said, as the API says it)."""
    lang = translation.get_language() or "en"
    period = period_bar.chosen_period(query)
    try:
        kpis = gateway.route_kpis(code, lang, *period)
    except WindowRefused as exc:  # the API's refusal, in the same words
        return html.Div(
            [html.P(str(exc), id="route-refused"), html.A(_("Back to the map"), href="/dash/")],
            className="cw-main",
        )
    if kpis is None:
        return html.Div(
            [html.H2(_("Unknown route.")), html.A(_("Back to the map"), href="/dash/")],
            className="cw-main",
        )
    periods = kpis.periods
    run = sum(p["trains_run"] for p in periods)
    cancelled = sum(p["cancelled"] for p in periods)
    note = _(
        "On time: arriving no more than %(t)s minutes after plan. Cancelled trains are counted "
        "apart, not in punctuality. A train counts on the statistical day of its departure "
        "(the day closes at %(close)s Beijing time); weeks start on Monday."
    ) % {"t": kpis.threshold_min, "close": kpis.day_close}
    months = period_bar.chosen_months(query)
    heading = _("Rail KPIs, %(first)s – %(last)s") % {"first": period[0], "last": period[1]}
    return html.Div(
        id="route-page",
        **{"data-code": kpis.code},
        children=[
            html.Div(
                className="cw-bar",
                children=[
                    html.A("← " + _("Corridor map"), href="/dash/", className="cw-title"),
                    html.Span(f"{kpis.code} · {kpis.name}"),
                ],
            ),
            period_bar.month_slider("route", *months, query=query),
            html.Div(
                className="cw-main",
                children=[
                    html.H2(heading, id="route-heading"),
                    html.P(
                        _("%(run)s trains run, %(cancelled)s cancelled.")
                        % {"run": run, "cancelled": cancelled},
                        id="route-summary",
                    ),
                    html.P(note, id="route-threshold", className="cw-muted"),
                ],
            ),
            html.Div(
                className="cw-kpi-grid",
                children=[
                    dcc.Graph(
                        id="route-trains",
                        figure=figures.trains_chart(
                            periods,
                            {"run": _("Trains run"), "cancelled": _("Cancelled"), "teu": _("TEU")},
                            _("Trains and TEU per week"),
                        ),
                    ),
                    dcc.Graph(
                        id="route-transit",
                        figure=figures.transit_chart(
                            periods,
                            {"median": _("Median"), "p90": _("90th percentile")},
                            _("Transit time (hours)"),
                        ),
                    ),
                    dcc.Graph(
                        id="route-punctuality",
                        figure=figures.punctuality_chart(
                            periods,
                            {"booked": _("Against plan"), "original": _("Against original plan")},
                            _("Punctuality at arrival (within %(t)s min)")
                            % {"t": kpis.threshold_min},
                        ),
                    ),
                ],
            ),
        ],
    )
