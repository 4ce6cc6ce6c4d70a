"""Node page: where it is (and how good the coordinate is), what it is, its digital services
with their evidence, its coverage over time, its throughput (official, pending, AIS
estimate), and links to its port page and routes."""

from __future__ import annotations

import dash
from dash import dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import figures, gateway
from dash_app.components import period as period_bar
from dash_app.components.panels import node_panel

dash.register_page(__name__, path_template="/node/<code>", name="Node", title="Node")


def layout(code: str = "", **query) -> html.Div:
    """`?from=&to=` (months or days) picks the period: the throughput chart shows its
    months, services and evidence are as they stood at its end (default: the twelve months
    up to the latest data held, as on every page)."""
    lang = translation.get_language() or "en"
    period = period_bar.chosen_period(query)
    end = period[1]
    detail = (
        gateway.node_detail(code, lang, on=end, period=period) if isinstance(code, str) else None
    )
    if detail is None:
        return html.Div(
            [html.H2(_("Unknown node.")), html.A(_("Back to the map"), href="/dash/")],
            className="cw-main",
        )
    history = gateway.coverage_history(detail.code, until=end) or []
    series = gateway.node_throughput(detail.code, *period)
    months = period_bar.chosen_months(query)
    labels = {"official": _("Official"), "pending": _("Pending review"), "ais": _("AIS estimate")}
    charts = [
        dcc.Graph(
            id="node-coverage",
            figure=figures.coverage_chart(
                history, _("Digital-service coverage over time"), _("No evidence recorded")
            ),
            config={"displayModeBar": False},
        )
    ]
    if series is not None and not series.empty:
        charts.append(
            dcc.Graph(
                id="node-throughput",
                figure=figures.throughput_chart(series, labels, _("Containers by month (TEU)")),
                config={"displayModeBar": False},
            )
        )
    else:
        charts.append(
            dcc.Graph(
                id="node-throughput",
                figure=figures.empty(_("Containers by month (TEU)"), _("No data for this period")),
                config={"displayModeBar": False},
            )
        )
    panel = node_panel(detail)
    panel.id = "node-panel"
    evidence = gateway.node_evidence(detail.code, lang, until=end)
    if evidence:
        charts.append(html.H3(_("Evidence of digital services")))
        charts.append(
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Date")),
                                html.Th(_("Service")),
                                html.Th(_("Level")),
                                html.Th(_("Confidence")),
                                html.Th(_("Statement")),
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Td(e.as_of),
                                    html.Td(e.category),
                                    html.Td(e.level),
                                    html.Td(e.confidence),
                                    html.Td(
                                        [
                                            e.summary,
                                            " ",
                                            html.A(
                                                _("source"),
                                                href=e.source_url,
                                                target="_blank",
                                                rel="noopener",
                                            ),
                                        ]
                                    ),
                                ]
                            )
                            for e in evidence
                        ]
                    ),
                ],
                className="cw-figures",
                id="node-evidence",
            )
        )
    return html.Div(
        id="node-page",
        **{"data-code": detail.code},
        children=[
            html.Div(
                className="cw-bar",
                children=[
                    html.A("← " + _("Corridor map"), href="/dash/", className="cw-title"),
                    html.Span(f"{detail.name} · {detail.code}"),
                    html.A(_("Coverage"), href="/dash/coverage"),
                ],
            ),
            period_bar.month_slider(
                "node",
                *months,
                note=_("services and evidence as at the period's end"),
                query=query,
            ),
            html.Div(
                className="cw-port-grid",
                children=[
                    html.Div(className="cw-port-side", children=[panel]),
                    html.Div(className="cw-port-main", children=charts),
                ],
            ),
        ],
    )
