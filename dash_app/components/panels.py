"""Panels shared by pages (a page module must not import another page: Dash registers each
page module once, under its own name)."""

from __future__ import annotations

from dash import html
from django.utils.translation import gettext as _

from dash_app import gateway


def node_panel(d: gateway.NodeDetail) -> html.Div:
    other_name = d.name_en if d.name != d.name_en else d.name_zh  # the pair's other name
    score = f"{d.coverage_score:.0%}" if d.coverage_assessed else _("no evidence recorded")
    services = [
        html.Li(
            [
                html.Span(s.category),
                " — ",
                html.Span(s.level_label, className=f"cw-level-{s.level}"),
                f" ({s.since})" if s.since else "",
                " ",
                html.A(_("evidence"), href=s.evidence_url, target="_blank", rel="noopener")
                if s.evidence_url
                else "",
            ]
        )
        for s in d.services
    ]
    figures = [
        html.Tr(
            [
                html.Td(f.metric),
                html.Td(f.period),
                html.Td(f.value),
                html.Td(
                    html.A(f.entity or _("source"), href=f.url, target="_blank", rel="noopener")
                    if f.url
                    else (f.entity or (_("official") if f.official else _("pending review")))
                ),
            ],
            className="" if f.official else "cw-pending",
        )
        for f in d.figures[:12]
    ]
    return html.Div(
        id="overview-node-panel",
        **{"data-code": d.code},
        children=[
            html.H2(d.name),
            html.Div(
                f"{other_name} · {d.code}" + (f" · {d.unlocode}" if d.unlocode else ""),
                className="cw-muted",
            ),
            html.Div(", ".join(d.kinds)),
            html.Div(
                [_("Coordinates"), f": {d.lat:.3f}, {d.lon:.3f} — {d.coord_quality}"],
                className="cw-muted",
            ),
            html.Div([_("Routes"), ": ", ", ".join(d.routes) or "—"]),
            html.A(_("Node page →"), href=f"/dash/node/{d.code}", id="overview-node-link"),
            html.Br(),
            html.A(
                _("Port calls and congestion →"),
                href=f"/dash/port/{d.code}",
                id="overview-port-link",
            )
            if d.port_page
            else None,
            html.H3([_("Digital services"), " · ", _("coverage"), " ", score]),
            html.Ul(services, className="cw-services", id="overview-services")
            if services
            else html.P(_("No digital service recorded."), className="cw-muted"),
            html.Div([_("Not recorded"), ": ", ", ".join(d.missing)], className="cw-muted")
            if d.missing
            else None,
            period_total(d.period_teu),
            html.H3([_("Figures"), " (" + _("incl.") + " " + d.group + ")" if d.group else ""]),
            html.Table([html.Tbody(figures)], className="cw-figures")
            if figures
            else html.P(_("No figures recorded."), className="cw-muted"),
        ],
    )


def period_total(total: gateway.TotalView | None) -> html.Div | None:
    """The node's own container total of the period and what it covers."""
    if total is None:
        return None
    return html.Div(
        [
            html.Span(_("Containers in the period (TEU)"), className="cw-muted"),
            " ",
            html.Strong(total.value, id="node-period-teu"),
            html.Small(" · " + total.covers, className="cw-muted cw-covers"),
        ],
        className="cw-period-total" + (" cw-partial" if total.partial else ""),
    )
