"""The overview's alerts: filters (kind, place, acknowledged shown), then one folding group
per kind and place with its alerts, each linked to its train or port; officials acknowledge
or close one alert or a whole group."""

from __future__ import annotations

from dash import dcc, html
from django.utils.translation import gettext as _

from dash_app import gateway

OPEN_GROUPS = 3  # the newest groups shown unfolded


def filters(lang: str) -> html.Div:
    return html.Div(
        className="cw-alert-filters",
        children=[
            dcc.Dropdown(
                id="overview-alert-kinds",
                options=gateway.alert_kind_options(),
                multi=True,
                placeholder=_("All kinds"),
            ),
            dcc.Dropdown(
                id="overview-alert-places",
                options=[],
                multi=True,
                placeholder=_("All places"),
            ),
            dcc.Checklist(
                id="overview-alert-acknowledged",
                options=[{"label": " " + _("Show acknowledged"), "value": "yes"}],
                value=["yes"],
                inline=True,
            ),
        ],
    )


def _act(ids: list[int], state: str, label: str, key: str) -> html.Button:
    return html.Button(
        label,
        id={
            "type": "overview-alert-act",
            "ids": ",".join(map(str, ids)),
            "state": state,
            "key": key,
        },
        className="cw-small",
        n_clicks=0,
    )


def _item(a: gateway.AlertView, can_change: bool) -> html.Li:
    target = _("See the train") if a.kind == "train_delay" else _("See the port")
    actions = []
    if can_change:
        if a.state == "open":
            actions.append(_act([a.id], "acknowledged", _("Acknowledge"), f"a{a.id}"))
        actions.append(_act([a.id], "closed", _("Close"), f"c{a.id}"))
    return html.Li(
        [
            a.message,
            html.Span(
                f" · {a.raised_at:%m-%d %H:%M} UTC"
                + (" · " + _("acknowledged") if a.state == "acknowledged" else ""),
                className="cw-muted",
            ),
            html.Div(
                [*([html.A(target + " →", href=a.link)] if a.link else []), *actions],
                className="cw-alert-actions",
            ),
        ],
        className=f"cw-alert-{a.state}",
        **{"data-kind": a.kind, "data-id": str(a.id)},
    )


def groups(shown: list[gateway.AlertView], can_change: bool) -> html.Div:
    """The alerts, grouped; "no open alert" said as such."""
    if not shown:
        return html.Div(html.P(_("No open alert."), className="cw-muted"), id="overview-alert-list")
    out = []
    for i, g in enumerate(gateway.alert_groups(shown)):
        ids = [a.id for a in g.alerts]
        open_ids = [a.id for a in g.alerts if a.state == "open"]
        summary = [
            html.Strong(g.kind_label),
            " · " + (g.place_name or _("no place")),
            html.Span(
                " " + _("%(n)s alerts, %(open)s open") % {"n": len(ids), "open": g.open},
                className="cw-muted",
            ),
        ]
        group_actions = []
        if can_change and len(ids) > 1:
            if open_ids:
                group_actions.append(
                    _act(open_ids, "acknowledged", _("Acknowledge all"), f"ga{g.key}")
                )
            group_actions.append(_act(ids, "closed", _("Close all"), f"gc{g.key}"))
        out.append(
            html.Details(
                [
                    html.Summary(summary),
                    html.Div(group_actions, className="cw-alert-actions"),
                    html.Ul([_item(a, can_change) for a in g.alerts], className="cw-alerts"),
                ],
                open=i < OPEN_GROUPS,
                className="cw-alert-group",
                **{"data-kind": g.kind, "data-place": g.place},
            )
        )
    return html.Div(out, id="overview-alert-list")


def panel(lang: str, shown: list[gateway.AlertView], can_change: bool) -> html.Div:
    return html.Div(
        [
            html.H3([_("Alerts"), html.Span(f" ({len(shown)})", id="overview-alert-count")]),
            filters(lang),
            html.Div(groups(shown, can_change), id="overview-alert-groups"),
            html.Div(id="overview-alert-said", className="cw-muted"),
        ]
    )
