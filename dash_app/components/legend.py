"""The map legend: route modes, schematic lines, coverage colours and marker size."""

from __future__ import annotations

from dash import html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ports.choices import ShipTypeGroup

ARROWS_NOTE = gettext_noop(
    "Arrows point along the heading; dots are vessels at rest; numbers are clusters."
)
COVERAGE_STOPS = [(0.0, "rgb(215,48,39)"), (0.5, "rgb(254,224,139)"), (1.0, "rgb(26,152,80)")]


def legend(mode_colours: dict[str, str], type_colours: dict[str, str]) -> html.Div:
    labels = {"rail": _("Rail"), "sea": _("Sea"), "river": _("River"), "road": _("Road")}
    rows = [
        html.Div(
            className="cw-legend-row",
            children=[
                html.Span(className="cw-swatch-line", style={"borderTopColor": colour}),
                labels.get(mode, mode),
            ],
        )
        for mode, colour in mode_colours.items()
    ]
    rows.append(
        html.Div(
            className="cw-legend-row",
            children=[
                html.Span(
                    className="cw-swatch-line cw-schematic", style={"borderTopColor": "#555"}
                ),
                _("Schematic (drawn node to node)"),
            ],
        )
    )
    dots = [
        html.Div(
            className="cw-legend-row",
            children=[
                html.Span(className="cw-swatch-dot", style={"background": colour}),
                _("Digital-service coverage") + f" {score:.0%}",
            ],
        )
        for score, colour in COVERAGE_STOPS
    ]
    dots.append(
        html.Div(
            className="cw-legend-row",
            children=[
                html.Span(className="cw-swatch-dot", style={"background": "#9aa5b1"}),
                _("No evidence recorded"),
            ],
        )
    )
    vessels = [
        html.Div(
            className="cw-legend-row",
            children=[
                html.Span(className="cw-swatch-dot cw-swatch-vessel", style={"background": colour}),
                str(ShipTypeGroup(group).label),
            ],
        )
        for group, colour in type_colours.items()
    ]
    return html.Div(
        id="overview-legend",
        children=[
            html.H3(_("Legend")),
            *rows,
            *dots,
            html.P(
                _("Marker size: latest full-year container throughput (TEU)."), className="cw-muted"
            ),
            html.H3(_("Vessels (AIS)")),
            *vessels,
            html.P(
                _(ARROWS_NOTE),
                className="cw-muted",
            ),
        ],
    )
