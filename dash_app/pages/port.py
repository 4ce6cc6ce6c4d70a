"""Port page: fences on the map, calls on a timeline, waiting and queue against the
baseline, the detection rule in plain words, and how the counts move with other rules."""

from __future__ import annotations

import dash
import dash_leaflet as dl
import flask
from dash import Input, Output, State, callback, dcc, html
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.limits import Busy, OverBudget, WindowRefused
from dash_app import figures, gateway
from dash_app.components import period as period_bar
from dash_app.components.basemap import basemap_layers
from dash_app.components.tables import paged_table

dash.register_page(__name__, path_template="/port/<code>", name="Port", title="Port")

FENCE_STYLE = {"variable": "corridorMap.fenceStyle"}


def _user_id() -> int | None:
    """The signed-in user (dash_app.auth), whose guarded computations run one at a time."""
    user = getattr(flask.g, "user", None) if flask.has_app_context() else None
    return getattr(user, "pk", None)


def layout(code: str = "", **query) -> html.Div:
    """`?from=&to=` (days, or whole months as the other pages carry them) picks the period
    (default the twelve months up to the latest data held, as on every page; one the
    metrics refuse is said, as the API says it)."""
    lang = translation.get_language() or "en"
    period = period_bar.chosen_period(query)
    try:
        page = gateway.port_page(code, lang, *period, user_id=_user_id())
    except (Busy, OverBudget, WindowRefused) as exc:
        return html.Div(
            [html.P(str(exc), id="port-refused"), html.A(_("Back to the map"), href="/dash/")],
            className="cw-main",
        )
    if page is None:
        return html.Div(
            [html.H2(_("Unknown port.")), html.A(_("Back to the map"), href="/dash/")],
            className="cw-main",
        )
    metrics = page.metrics
    days = metrics["days"]
    today = days[-1] if days else None
    labels = {
        "anchorage": _("At anchor"),
        "berth": _("At berth"),
        "port": _("In port"),
        "queue": _("Waiting at anchor"),
        "mean": _("Baseline mean"),
        "p90": _("Baseline 90th percentile"),
        "wait": _("Median anchorage wait"),
        "stay": _("Median time in port"),
        "empty": _("No data for this period"),
    }
    judged = [d for d in days if d["baseline"]["queue_p90"] is not None]
    if today and today["congested"]:
        status = _("Congested: the queue is above the baseline's 90th percentile.")
    elif today and today["baseline"]["queue_p90"] is None:
        status = _("No baseline yet: congestion is not judged.")
    else:
        status = _("Not congested today.")
    need = days[-1]["baseline"]["min_days"] if days else 0
    if not days:
        baseline_text = ""
    elif not judged:
        baseline_text = _(
            "Baseline: not yet; it needs %(n)s days of data (the port's calls begin later)."
        ) % {"n": need}
    else:
        baseline_text = _(
            "Baseline: the previous 28 days, or the same weeks last year when recorded; shown, "
            "and congestion judged, once it holds %(n)s days of data (here from %(day)s)."
        ) % {"n": need, "day": judged[0]["date"]}
    table = gateway.port_call_table(page.code, page.first, page.last) if page.first else None
    return html.Div(
        id="port-page",
        **{"data-code": page.code},
        children=[
            html.Div(
                className="cw-bar",
                children=[
                    html.A("← " + _("Corridor map"), href="/dash/", className="cw-title"),
                    html.Span(page.name),
                ],
            ),
            period_bar.day_range("port", page.first, page.last, "", query=query),
            html.Div(
                className="cw-port-grid",
                children=[
                    html.Div(
                        className="cw-port-side",
                        children=[
                            html.H2(page.name),
                            html.P(page.rule_text, id="port-rule"),
                            html.P(
                                _("Vessels at anchor now: %(n)s") % {"n": metrics["at_anchor_now"]},
                                id="port-at-anchor",
                            ),
                            html.P(
                                status,
                                id="port-congestion",
                                className="cw-level-none" if today and today["congested"] else "",
                            ),
                            html.P(baseline_text, id="port-baseline", className="cw-muted"),
                            dl.Map(
                                center=list(page.center),
                                zoom=10,
                                bounds=page.bounds,
                                className="cw-port-map",
                                children=[
                                    *basemap_layers("port"),
                                    dl.GeoJSON(
                                        id="port-fences", url=page.fences_url, style=FENCE_STYLE
                                    ),
                                ],
                            ),
                            html.Button(
                                _("How do the counts move with other rules?"),
                                id="port-sensitivity-run",
                            ),
                            html.Div(id="port-sensitivity"),
                            dcc.Store(id="port-code", data=page.code),
                        ],
                    ),
                    html.Div(
                        className="cw-port-main",
                        children=[
                            dcc.Graph(
                                id="port-queue",
                                figure=figures.queue_chart(
                                    days, labels, _("Queue at anchor against the baseline")
                                ),
                            ),
                            dcc.Graph(
                                id="port-wait",
                                figure=figures.wait_chart(
                                    days, labels, _("Waiting and time in port (hours)")
                                ),
                            ),
                            *transfer_section(page.code, page.last),
                            dcc.Graph(
                                id="port-timeline",
                                figure=figures.calls_timeline(
                                    page.calls,
                                    labels,
                                    _("The %(n)s latest calls (all in the table below)")
                                    % {"n": len(page.calls)},
                                ),
                            ),
                            *calls_table(table),
                        ],
                    ),
                ],
            ),
        ],
    )


CALL_COLUMNS = (
    ("vessel", gettext_noop("Vessel"), "text"),
    ("mmsi", "MMSI", "numeric"),
    ("arrival", gettext_noop("Arrival (UTC)"), "text"),
    ("wait_h", gettext_noop("Anchorage wait (h)"), "numeric"),
    ("berth", gettext_noop("At berth from (UTC)"), "text"),
    ("departure", gettext_noop("Departure (UTC)"), "text"),
    ("stay_h", gettext_noop("Time in port (h)"), "numeric"),
)


def calls_table(table) -> list:
    """The period's calls: sorted, searched (a box per column) and exported (CSV, XLSX)
    in the browser; at most the newest gateway.PORT_TABLE_CALLS, said when cut."""
    if table is None:
        return []
    heading = html.H3(
        _("Port calls of the period (%(n)s)") % {"n": f"{table.total:,}"}, id="port-calls-title"
    )
    if not table.rows:
        return [heading, html.P(_("No data for this period"), className="cw-muted")]
    note = (
        _("The newest %(shown)s of %(total)s calls; the export page gives them all.")
        % {"shown": f"{len(table.rows):,}", "total": f"{table.total:,}"}
        if table.total > len(table.rows)
        else _("Sort by a column's header, search with the boxes under it, export with the button.")
    )
    return [
        heading,
        html.P(note, className="cw-muted"),
        paged_table(
            "port-calls-table",
            [(k, _(name), kind) for k, name, kind in CALL_COLUMNS],
            table.rows,
            page_size=15,
        ),
    ]


def transfer_section(code: str, until=None) -> list:
    """The sea-rail transfer-time distribution of the period's last 4 weeks, with its
    rules."""
    data = gateway.port_transfer(code, _user_id(), until=until)
    if data is None:
        return []
    if isinstance(data, str):
        return [html.P(data, className="cw-muted")]
    labels = {
        "rail_to_sea": _("Rail to sea"),
        "sea_to_rail": _("Sea to rail"),
        "exact": _("exact"),
        "estimated": _("estimated"),
        "threshold": _("threshold %(h)s h") % {"h": f"{data['threshold_h']:g}"},
        "hours": _("hours"),
        "empty": _("No data for this period"),
    }
    weeks = [
        html.Tr(
            [
                html.Td(w["week"]),
                html.Td(labels[w["direction"]]),
                html.Td(str(w["transfers"])),
                html.Td(f"{w['exact']} / {w['estimated']}"),
                html.Td(f"{w['median_h']:g}"),
                html.Td(f"{w['p90_h']:g}"),
                html.Td(f"{w['share_over']:.0%}"),
            ]
        )
        for w in data["weeks"]
    ]
    excluded = ", ".join(f"{k}: {v}" for k, v in data["excluded"].items()) or _("none")
    return [
        dcc.Graph(
            id="port-transfer",
            figure=figures.transfer_histogram(
                data["hours"],
                data["threshold_h"],
                labels,
                _("Sea-rail transfer time, the period's last 4 weeks"),
            ),
        ),
        html.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th(_("Week")),
                            html.Th(_("Direction")),
                            html.Th(_("Transfers")),
                            html.Th(_("exact / estimated")),
                            html.Th(_("Median (h)")),
                            html.Th(_("P90 (h)")),
                            html.Th(_("Over %(h)s h") % {"h": f"{data['threshold_h']:g}"}),
                        ]
                    )
                ),
                html.Tbody(weeks),
            ],
            className="cw-figures",
            id="port-transfer-table",
        ),
        html.Ul([html.Li(rule) for rule in data["rules"]], className="cw-muted"),
        html.P([_("Excluded"), ": ", excluded], className="cw-muted"),
    ]


@callback(
    Output("port-sensitivity", "children"),
    Input("port-sensitivity-run", "n_clicks"),
    State("port-code", "data"),
    prevent_initial_call=True,
)
def run_sensitivity(_clicks, code: str):
    rows = gateway.port_sensitivity(code, _user_id()) if isinstance(code, str) else None
    if rows is None:
        return html.P(_("Unknown port."))
    if isinstance(rows, str):
        return html.P(rows, className="cw-muted")
    head = html.Tr(
        [
            html.Th(_("Speed threshold (kn)")),
            html.Th(_("Minimum stay (min)")),
            html.Th(_("Calls")),
            html.Th(_("Median wait (h)")),
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(f"{r['rule']['speed_kn']:g}"),
                html.Td(f"{r['rule']['min_stay_s'] / 60:g}"),
                html.Td(str(r["calls"])),
                html.Td(
                    "—"
                    if r["median_anchorage_wait_h"] is None
                    else f"{r['median_anchorage_wait_h']:g}"
                ),
            ],
            className="cw-official" if r["official"] else "",
        )
        for r in rows
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(body)], className="cw-figures", id="port-sensitivity-table"
    )
