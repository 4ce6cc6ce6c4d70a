"""Route KPI page: weekly trains, TEU, transit time and punctuality, with the threshold and
the statistical-day rule stated beside the figures."""

from __future__ import annotations

import dash
from dash import dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import figures, gateway

dash.register_page(__name__, path_template="/route/<code>", name="Route", title="Route KPIs")


def layout(code: str = "", **query) -> html.Div:
    lang = translation.get_language() or "en"
    kpis = gateway.route_kpis(code, lang)
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
            html.Div(
                className="cw-main",
                children=[
                    html.H2(_("Rail KPIs, last 12 weeks")),
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
