"""Coverage page: the node x service matrix (evidence on hover, a link where there is one),
routes ranked by coverage, and the gaps along each route (a node lacking a service its route
neighbours offer)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import figures, gateway
from dash_app.components import period as period_bar
from dash_app.components.tables import paged_table

dash.register_page(__name__, path="/coverage", name="Coverage", title="Coverage")

SYMBOLS = {
    "full": "●",
    "operational": "●",
    "partial": "◐",
    "pilot": "◐",
    "none": "○",
    "unverified": "?",
    "": "",
}


def layout(route: str = "", **query) -> html.Div:
    """`?route=` narrows to one route; `?from=&to=` shows coverage as it stood at the
    period's end, by the evidence (default: now)."""
    lang = translation.get_language() or "en"
    route = route if isinstance(route, str) and route else None
    if route and route not in {o["value"] for o in gateway.route_options(lang)}:
        route = None
    period = period_bar.chosen_period(query)
    months = period_bar.chosen_months(query)
    return html.Div(
        id="coverage-page",
        children=[
            html.Div(
                className="cw-bar",
                children=[
                    html.A("← " + _("Corridor map"), href="/dash/", className="cw-title"),
                    html.Span(_("Digital-service coverage")),
                ],
            ),
            period_bar.month_slider(
                "coverage",
                *months,
                note=_("coverage as at %(day)s") % {"day": period[1].isoformat()},
                query=query,
            ),
            html.Div(
                className="cw-main",
                children=[
                    html.Label(_("Route"), htmlFor="coverage-route"),
                    dcc.Dropdown(
                        id="coverage-route",
                        options=gateway.route_options(lang),
                        value=route,
                        placeholder=_("All routes"),
                    ),
                    html.P(
                        _(
                            "● operational · ◐ pilot or partial · ○ none recorded · "
                            "? unverified (low-confidence source, not scored) · "
                            "blank: not applicable"
                        ),
                        className="cw-muted",
                    ),
                    html.Div(
                        id="coverage-body",
                        children=body(lang, route, period[1] if period else None),
                    ),
                ],
            ),
        ],
    )


def _table(head: list, rows: list[list], table_id: str) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        className="cw-figures",
        id=table_id,
    )


@callback(
    Output({"type": "cw-period-url", "page": "coverage"}, "search", allow_duplicate=True),
    Input("coverage-route", "value"),
    State({"type": "cw-period-url", "page": "coverage"}, "search"),
    prevent_initial_call=True,
)
def choose_route(route: object, search: object) -> str:
    """A route chosen: the address names it (and the page follows)."""
    return period_bar.with_param(search, "route", route if isinstance(route, str) else "")


def body(lang: str, route: str | None, on) -> list:
    m = gateway.coverage_matrix(lang, route, on)
    trend = gateway.coverage_trend(lang, route, on)
    head = [html.Th(_("Node")), html.Th(_("Coverage"))]
    head += [html.Th(name, title=code) for code, name in m.categories]
    rows = []
    for code, name, score, cells in m.rows:
        tds = [
            html.Td(html.A(f"{name} ({code})", href=f"/dash/node/{code}")),
            html.Td("—" if score is None else f"{score:.0%}"),
        ]
        for (cat, _cat_name), cell in zip(m.categories, cells, strict=True):
            tip = f"{cat}: {cell.level or '—'}"
            if cell.since:
                tip += f" ({cell.since})"
            mark = SYMBOLS.get(cell.level, "")
            content = (
                html.A(mark, href=cell.evidence_url, target="_blank", rel="noopener")
                if cell.evidence_url
                else mark
            )
            level = f"cw-level-{cell.level}" if cell.level else ""
            tds.append(html.Td(content, title=tip, className=level))
        rows.append(html.Tr(tds))
    ranking = _table(
        [_("Route"), _("Coverage")],
        [[f"{c} · {n}", f"{s:.0%}"] for c, n, s in m.routes],
        "coverage-ranking",
    )
    gap_columns = [
        ("route", _("Route"), "text"),
        ("node", _("Node"), "text"),
        ("missing", _("Missing service"), "text"),
        ("offered", _("Offered by neighbours"), "text"),
    ]
    keys = [key for key, _name, _kind in gap_columns]
    gaps = paged_table(
        "coverage-gaps",
        gap_columns,
        [dict(zip(keys, g, strict=True)) for g in m.gap_rows],
        page_size=12,
    )
    # The chart and the ranking first; the matrix scrolls in its own box (its header kept
    # in view); the gaps are a paged, searchable table: the page is no 6,000-px scroll.
    return [
        dcc.Graph(
            id="coverage-trend",
            figure=figures.coverage_lines(
                trend.months,
                {_("Corridor (nodes with evidence)"): trend.corridor, **trend.routes},
                _("Coverage over time, by the evidence"),
                _("No evidence recorded"),
            ),
            config={"displayModeBar": False},
        ),
        html.H3(_("Routes ranked by coverage")),
        ranking,
        html.H3(_("Services by node")),
        html.Div(
            html.Table(
                [html.Thead(html.Tr(head)), html.Tbody(rows)],
                className="cw-figures",
                id="coverage-matrix",
            ),
            className="cw-matrix-box",
        ),
        html.H3(_("Gaps along the routes (%(n)s)") % {"n": len(m.gap_rows)}),
        gaps,
    ]
