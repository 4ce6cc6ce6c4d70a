"""The map legend: route modes, schematic lines, coverage colours, marker size, vessels."""

from __future__ import annotations

from dash import html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dash_app import gateway

ARROWS_NOTE = gettext_noop(
    "Arrows point along the heading; dots are vessels at rest; numbers are clusters."
)
LEGEND_SCORES = (0.0, 0.5, 1.0)


def _row(swatch: str, style: dict[str, str], label: str) -> html.Div:
    """A legend line: a swatch (CSS class and style) and its label."""
    return html.Div(
        className="cw-legend-row", children=[html.Span(className=swatch, style=style), label]
    )


def legend(mode_colours: dict[str, str], type_colours: dict[str, str]) -> html.Div:
    modes = {"rail": _("Rail"), "sea": _("Sea"), "river": _("River"), "road": _("Road")}
    lines = [
        _row("cw-swatch-line", {"borderTopColor": colour}, modes.get(mode, mode))
        for mode, colour in mode_colours.items()
    ]
    lines.append(
        _row(
            "cw-swatch-line cw-schematic",
            {"borderTopColor": "#555"},
            _("Schematic (drawn node to node)"),
        )
    )
    nodes = [
        _row(
            "cw-swatch-dot",
            {"background": gateway.coverage_colour(score)},
            _("Digital-service coverage") + f" {score:.0%}",
        )
        for score in LEGEND_SCORES
    ]
    nodes.append(
        _row(
            "cw-swatch-dot",
            {"background": gateway.NO_EVIDENCE_COLOUR},
            _("No evidence recorded"),
        )
    )
    nodes.append(
        _row(
            "cw-swatch-dot cw-swatch-gap",
            {},
            _("Coverage gap: lacks a service its route neighbours offer"),
        )
    )
    vessels = [
        _row(
            "cw-swatch-dot cw-swatch-vessel",
            {"background": colour},
            gateway.ship_type_label(group),
        )
        for group, colour in type_colours.items()
    ]
    return html.Div(
        id="overview-legend",
        children=[
            html.H3(_("Legend")),
            *lines,
            *nodes,
            html.P(
                _("Marker size: container throughput (TEU) in the period chosen above."),
                className="cw-muted",
            ),
            html.H3(_("Vessels (AIS)")),
            *vessels,
            html.P(_(ARROWS_NOTE), className="cw-muted"),
        ],
    )
