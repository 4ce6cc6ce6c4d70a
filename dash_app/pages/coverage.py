"""Coverage page: the node x service matrix (evidence on hover, a link where there is one),
routes ranked by coverage, and the gaps along each route (a node lacking a service its route
neighbours offer)."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import gateway

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
    lang = translation.get_language() or "en"
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
            html.Div(
                className="cw-main",
                children=[
                    html.Label(_("Route"), htmlFor="coverage-route"),
                    dcc.Dropdown(
                        id="coverage-route",
                        options=gateway.route_options(lang),
                        value=route if isinstance(route, str) and route else None,
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
                    html.Div(id="coverage-body"),
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


@callback(Output("coverage-body", "children"), Input("coverage-route", "value"))
def body(route):
    lang = translation.get_language() or "en"
    m = gateway.coverage_matrix(lang, route if isinstance(route, str) and route else None)
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
            if cell.since_year:
                tip += f" ({cell.since_year})"
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
    gaps = _table(
        [_("Route"), _("Node"), _("Missing service"), _("Offered by neighbours")],
        [list(g) for g in m.gaps[:200]],
        "coverage-gaps",
    )
    return [
        html.Table(
            [html.Thead(html.Tr(head)), html.Tbody(rows)],
            className="cw-figures",
            id="coverage-matrix",
        ),
        html.H3(_("Routes ranked by coverage")),
        ranking,
        html.H3(_("Gaps along the routes")),
        gaps,
    ]
