"""Report page: the corridor report for a route (or the whole corridor) and a period, in the
user's language, as an offline HTML map (previewed here) and as PDF."""

from __future__ import annotations

import dash
import flask
from dash import Input, Output, State, callback, dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import gateway

dash.register_page(__name__, path="/report", name="Report", title="Corridor report")


def layout(**query) -> html.Div:
    lang = translation.get_language() or "en"
    start, end = gateway.report_period()
    return html.Div(
        id="report-page",
        children=[
            html.Div(
                className="cw-bar",
                children=[
                    html.A("← " + _("Corridor map"), href="/dash/", className="cw-title"),
                    html.Span(_("Corridor report")),
                    html.A(_("Export"), href="/dash/export"),
                ],
            ),
            html.Div(
                className="cw-main",
                children=[
                    html.Label(_("Route"), htmlFor="report-route"),
                    dcc.Dropdown(
                        id="report-route",
                        options=gateway.route_options(lang),
                        placeholder=_("Whole corridor"),
                    ),
                    html.Label(_("From (YYYY-MM-DD)"), htmlFor="report-start"),
                    dcc.Input(id="report-start", value=start),
                    html.Label(_("To (YYYY-MM-DD)"), htmlFor="report-end"),
                    dcc.Input(id="report-end", value=end),
                    html.Button(_("Make the report"), id="report-go"),
                    html.Div(id="report-status", className="cw-status"),
                    dcc.Store(id="report-jobs"),
                    dcc.Interval(id="report-tick", interval=2000, disabled=True),
                    html.Iframe(
                        id="report-preview",
                        title=_("Preview of the corridor report"),
                        style={"width": "100%", "height": "75vh", "border": "1px solid #ccc"},
                    ),
                ],
            ),
        ],
    )


@callback(
    Output("report-jobs", "data"),
    Output("report-tick", "disabled"),
    Output("report-status", "children"),
    Input("report-go", "n_clicks"),
    State("report-route", "value"),
    State("report-start", "value"),
    State("report-end", "value"),
    prevent_initial_call=True,
)
def make(_n, route, start, end):
    filters = {
        k: v.strip()
        for k, v in {"route": route, "start": start, "end": end}.items()
        if isinstance(v, str) and v.strip()
    }
    user, lang = flask.g.user, translation.get_language() or "en"
    made = {}
    for fmt in ("html", "pdf"):
        result = gateway.request_export(user, "corridor_report", fmt, 4326, filters, lang)
        if isinstance(result, str):
            return None, True, html.Span(result, className="cw-level-none", id="report-error")
        made[fmt] = result.id
    return made, False, _("Making the report…")


@callback(
    Output("report-status", "children", allow_duplicate=True),
    Output("report-preview", "src"),
    Output("report-tick", "disabled", allow_duplicate=True),
    Input("report-tick", "n_intervals"),
    State("report-jobs", "data"),
    prevent_initial_call=True,
)
def follow(_n, made):
    if not isinstance(made, dict):
        return dash.no_update, dash.no_update, True
    user = flask.g.user
    views = {fmt: gateway.export_status(user, made.get(fmt)) for fmt in ("html", "pdf")}
    if any(v is None for v in views.values()):
        return _("Unknown report."), None, True
    failed = [v for v in views.values() if v.state in ("failed", "cancelled")]
    if failed:
        return html.Span(failed[0].message, className="cw-level-none"), None, True
    if all(v.download for v in views.values()):
        links = html.Span(
            [
                html.A(_("Download HTML"), href=views["html"].download, id="report-html"),
                " · ",
                html.A(_("Download PDF"), href=views["pdf"].download, id="report-pdf"),
            ]
        )
        return links, f"{views['html'].download}?inline=1", True
    return _("Making the report…"), dash.no_update, False
