"""Overview page: the corridor map with nodes, routes and the node panel."""

from __future__ import annotations

import json
from datetime import UTC
from urllib.parse import urlencode

import dash
import dash_leaflet as dl
import flask
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.names import is_chinese
from dash_app import figures, gateway
from dash_app.components import alerts as alert_panel
from dash_app.components import period as period_bar
from dash_app.components.basemap import basemap_layers
from dash_app.components.legend import legend
from dash_app.components.panels import node_panel

dash.register_page(__name__, path="/", name="Overview", title="Corridor Watch")

VESSEL_REFRESH_MS = 10_000


def _middle(bounds: list[list[float]]) -> list[float]:
    (south, west), (north, east) = bounds
    return [(south + north) / 2, (west + east) / 2]


def _top_bar(lang: str) -> html.Div:
    user = getattr(flask.g, "user", None)
    return html.Div(
        className="cw-bar",
        children=[
            html.Span(_("Corridor Watch") + " · 西部陆海新通道", className="cw-title"),
            html.A(_("Home"), href="/"),
            html.A(_("API"), href="/api/"),
            html.A("English", href="/dash/?lang=en", id="overview-lang-en", hidden=lang == "en"),
            html.A(
                "中文",
                href="/dash/?lang=zh-hans",
                id="overview-lang-zh",
                hidden=is_chinese(lang),
            ),
            html.Span(str(user or "")),
        ],
    )


# The layers an official switches on and off (the address names those shown: `layers=`).
LAYER_NAMES = {
    "vessels": gettext_noop("Vessels"),
    "trains": gettext_noop("Trains"),
    "fences": gettext_noop("Port fences"),
    "gaps": gettext_noop("Coverage gaps"),
    "density": gettext_noop("Traffic density (the period's last 7 days)"),
}
DEFAULT_LAYERS = ("vessels", "trains")


def layers_from_query(query: dict) -> tuple[str, ...]:
    """The overlays a link names (`layers=vessels,fences`; empty: none); default vessels
    and trains."""
    text = query.get("layers")
    if not isinstance(text, str):
        return DEFAULT_LAYERS
    return tuple(k for k in LAYER_NAMES if k in text.split(","))


def layer_keys(names: object) -> list[str]:
    """The keys of the overlays the map reports by their shown (translated) names."""
    if not isinstance(names, list):
        return list(DEFAULT_LAYERS)
    shown = {_(label): key for key, label in LAYER_NAMES.items()}
    shown.update({label: key for key, label in LAYER_NAMES.items()})
    return [k for k in LAYER_NAMES if k in {shown.get(n) for n in names if isinstance(n, str)}]


def view_from_query(query: dict) -> tuple[tuple[int, int], str | None, str | None]:
    """The period, route and node a shared link names (`?from=2025-01&to=2025-12&route=E&
    node=QZ_PORT`; days are taken as their months); what is missing or wrong falls back to
    the defaults."""
    period = period_bar.months_from_query(query)
    route = query.get("route") if isinstance(query.get("route"), str) else None
    node = query.get("node") if isinstance(query.get("node"), str) else None
    return period or gateway.default_period_months(), route or None, node or None


def _overlay(key: str, shown: tuple[str, ...], layer) -> dl.Overlay:
    return dl.Overlay(layer, name=_(LAYER_NAMES[key]), checked=key in shown)


def layout(**query) -> html.Div:
    lang = translation.get_language() or "en"
    (first, last), route, node = view_from_query(query)
    if route and route not in {o["value"] for o in gateway.route_options(lang)}:
        route = None
    dates = gateway.month_bounds(first, last)
    detail = gateway.node_detail(node, lang, on=dates[1], period=dates) if node else None
    shown = layers_from_query(query)
    overlays = dl.LayersControl(
        id="overview-layers",
        collapsed=False,
        position="topright",
        # Named from the start: the control adds and removes names from this list as the
        # official switches layers (left unset, the first switch forgot those shown).
        overlays=[_(LAYER_NAMES[k]) for k in shown],
        children=[
            _overlay(
                "vessels",
                shown,
                # Thousands of vessels: clustered below zoom 9, arrows (heading) above.
                dl.GeoJSON(
                    id="overview-vessels",
                    url=gateway.live_vessels_url(),
                    cluster=True,
                    zoomToBoundsOnClick=True,
                    superClusterOptions={"radius": 60, "maxZoom": 8},
                    pointToLayer={"variable": "corridorMap.vesselMarker"},
                    hideout={"typeColours": gateway.TYPE_COLOURS},
                ),
            ),
            _overlay(
                "trains",
                shown,
                dl.GeoJSON(
                    id="overview-trains",
                    data=gateway.live_trains(),
                    pointToLayer={"variable": "corridorMap.trainMarker"},
                ),
            ),
            _overlay(
                "fences",
                shown,
                dl.GeoJSON(
                    id="overview-fences",
                    url=gateway.fences_url(),
                    style={"variable": "corridorMap.fenceStyle"},
                ),
            ),
            _overlay(
                "gaps",
                shown,
                dl.GeoJSON(
                    id="overview-gaps",
                    data=gateway.coverage_gap_layer(lang, route, dates[1]),
                    pointToLayer={"variable": "corridorMap.gapMarker"},
                    onEachFeature={"variable": "corridorMap.gapTooltip"},
                ),
            ),
            _overlay(
                "density",
                shown,
                # AIS positions as vector tiles (the OGC API): lanes and anchorages.
                dl.GeoJSON(
                    id="overview-density",
                    data=gateway.density_layer(dates),
                    pointToLayer={"variable": "corridorMap.densityLayer"},
                ),
            ),
        ],
    )
    map_layers = [
        *basemap_layers("overview"),
        dl.GeoJSON(
            id="overview-routes",
            url=gateway.segments_url(route),
            style={"variable": "corridorMap.routeStyle"},
            onEachFeature={"variable": "corridorMap.segmentTooltip"},
            hideout={"modeColours": gateway.MODE_COLOURS},
        ),
        dl.GeoJSON(
            id="overview-track",
            data=None,
            style={"color": "#e8590c", "weight": 3, "dashArray": "2 4"},
        ),
        overlays,
        dl.GeoJSON(
            id="overview-nodes",
            data=gateway.map_nodes(lang, route, dates),
            pointToLayer={"variable": "corridorMap.nodeMarker"},
            onEachFeature={"variable": "corridorMap.nodeTooltip"},
        ),
        dl.ScaleControl(position="bottomleft", imperial=False),
    ]
    asked = query.get("train")
    train = gateway.train_detail(asked, lang) if isinstance(asked, str) else None
    if detail:
        selected = node_panel(detail)
    elif train:
        selected = train_panel(train)  # a link from an alert (`?train=<id>`)
    else:
        selected = html.P(
            _("Click a node on the map to see its services and figures."), className="cw-muted"
        )
    panel = [
        # The selection first: a click on the map (or a shared link) opens its panel where
        # the eye is, at the top of the side column (issue 21).
        html.Div(id="overview-detail", children=selected),
        html.Label(_("Find a node"), htmlFor="overview-find"),
        dcc.Dropdown(
            id="overview-find",
            options=gateway.node_options(lang),
            value=detail.code if detail else None,
            placeholder=_("Name, code or UN/LOCODE"),
            clearable=True,
        ),
        html.Label(_("Find a vessel"), htmlFor="overview-find-vessel"),
        dcc.Dropdown(
            id="overview-find-vessel",
            options=[],
            placeholder=_("Name, MMSI or IMO"),
            clearable=True,
        ),
        html.Label(_("Route"), htmlFor="overview-route"),
        dcc.Dropdown(
            id="overview-route",
            options=gateway.route_options(lang),
            value=route,
            placeholder=_("All routes"),
            clearable=True,
        ),
        html.Div(id="overview-route-link"),
        html.Div(
            [
                html.A(_("Export what I see"), href="/dash/export", id="overview-export"),
                " · ",
                html.A(_("Corridor report"), href="/dash/report"),
            ],
            className="cw-status",
        ),
        html.Div(id="overview-ais-status", className="cw-status"),
        html.Div(id="overview-rail-status", className="cw-status"),
        html.Div(
            id="overview-alerts",
            children=alert_panel.panel(lang, gateway.live_alerts(lang), _may_change_alerts()),
        ),
        legend(gateway.MODE_COLOURS, gateway.TYPE_COLOURS),
    ]
    period = html.Div(
        className="cw-period",
        children=[
            html.Button("▶", id="overview-play", title=_("Step through the months")),
            period_bar.range_slider("overview-period", first, last),
            html.Span(id="overview-period-label", className="cw-muted"),
            period_bar.presets(query),
            dcc.Interval(id="overview-play-tick", interval=1500, disabled=True),
        ],
    )
    opening = gateway.corridor_bounds()
    approval = gateway.map_approval()
    return html.Div(
        [
            _top_bar(lang),
            period,
            dcc.Loading(
                html.Div(id="overview-headline", className="cw-headline"),
                type="dot",
                delay_show=300,
            ),
            html.Div(
                className="cw-body",
                children=[
                    dl.Map(
                        id="overview-map",
                        center=[detail.lat, detail.lon] if detail else _middle(opening),
                        # The whole corridor, Chongqing and Chengdu to Singapore (or the node
                        # a link names).
                        zoomSnap=0.25,
                        trackViewport=True,
                        zoom=10 if detail else 4,
                        minZoom=3,
                        maxZoom=13,
                        crs=gateway.map_crs(),
                        className="cw-map",
                        children=map_layers,
                    ),
                    # The map-approval number (审图号) and the tiles' source, when set.
                    html.Div(
                        approval,
                        id="overview-approval",
                        className="cw-approval",
                        hidden=not approval,
                    ),
                    html.Aside(className="cw-panel", children=panel),
                ],
            ),
            dcc.Store(id="overview-lang", data=lang),
            dcc.Store(id="overview-detail-shown"),
            # The box the map fits once its nodes are drawn (corridor_map.js): by then the
            # map has its size, which a box given at its creation did not.
            html.Div(
                id="overview-opening",
                hidden=True,
                **({} if detail else {"data-bounds": json.dumps(opening)}),
            ),
            dcc.Location(id="overview-url", refresh=False),
            dcc.Interval(id="overview-tick", interval=VESSEL_REFRESH_MS),
        ]
    )


def period_of(value: object) -> tuple[int, int]:
    """Month indexes [first, last] from the slider (anything else: the default)."""
    return period_bar.months_of(value)


@callback(
    Output("overview-nodes", "data"),
    Output("overview-routes", "url"),
    Output("overview-gaps", "data"),
    Output("overview-density", "data"),
    Input("overview-route", "value"),
    Input("overview-lang", "data"),
    Input("overview-period", "value"),
    prevent_initial_call=True,
)
def filter_route(route: str | None, lang: str, period: object = None):
    route = route if isinstance(route, str) else None
    lang = lang if isinstance(lang, str) else "en"
    dates = gateway.month_bounds(*period_of(period))
    return (
        gateway.map_nodes(lang, route, dates),
        gateway.segments_url(route),
        gateway.coverage_gap_layer(lang, route, dates[1]),
        gateway.density_layer(dates),
    )


HEADLINE_LABELS = {
    "teu": (gettext_noop("Containers (TEU)"), "{:,.0f}"),
    "tonnes": (gettext_noop("Cargo (tonnes)"), "{:,.0f}"),
    "trains": (gettext_noop("Sea-rail trains"), "{:,.0f}"),
    "calls": (gettext_noop("Port calls"), "{:,.0f}"),
    "wait": (gettext_noop("Median anchorage wait (h)"), "{:.1f}"),
    "coverage": (gettext_noop("Mean digital-service coverage (period end)"), "{:.0%}"),
}


QUALIFIER_SIGNS = gateway.QUALIFIER_SIGNS


def headline_strip(strip) -> list:
    """The period's headline cards: each figure with its qualifier, what it covers (a
    partial total says so), its sources, and its comparisons; a comparison that is not like
    for like says why instead of a percentage."""
    cards = []
    for f in strip.figures:
        title, fmt = HEADLINE_LABELS[f.key]
        value = (
            "—" if f.value is None else QUALIFIER_SIGNS.get(f.qualifier, "") + fmt.format(f.value)
        )
        # Both comparisons on one line, in the short words of statistics (环比, 同比); the
        # full wording and a reason why not comparable on hover.
        changes: list = []
        for short, label, verdict in (
            (_("prev."), _("vs previous period"), f.vs_previous),
            (_("y/y"), _("vs same period last year"), f.vs_last_year),
        ):
            if changes:
                changes.append(" · ")
            if verdict.change is not None:
                sign = QUALIFIER_SIGNS.get(verdict.qualifier, "")
                text = f"{sign}{verdict.change:+.1%}"
                changes.append(
                    html.Span(
                        f"{short} {text}",
                        title=f"{label}: {text}",
                        className="cw-up" if verdict.change >= 0 else "cw-down",
                    )
                )
            elif f.value is not None and verdict.reason:
                changes.append(
                    html.Span(
                        f"{short} " + _("n/c"),
                        title=f"{label}: " + _("not comparable") + f" ({verdict.reason})",
                        className="cw-not-comparable",
                    )
                )
            else:
                changes.append(html.Span(f"{short} —", title=f"{label}: —"))
        details: list = []
        if f.covers and f.value is not None:
            details.append(html.Span(f.covers, className="cw-covers"))
        if f.sources:
            if details:
                details.append(" · ")
            details.append(html.Span(source_links(f.sources), className="cw-source"))
        said = " · ".join(
            [*([f.covers] if f.covers and f.value is not None else []), *f.sources[:3]]
        )
        cards.append(
            html.Div(
                [
                    html.Div(_(title), className="cw-muted", title=_(title)),
                    html.Strong(value),
                    html.Small(details or "\u00a0", className="cw-muted cw-details", title=said),
                    html.Small(changes, className="cw-compare") if f.value is not None else None,
                ],
                className="cw-card" + (" cw-partial" if f.partial else ""),
                id=f"overview-headline-{f.key}",
            )
        )
    cards.append(
        html.Div(
            [
                html.Div(_("Figures in the period"), className="cw-muted"),
                html.Span(
                    _("%(o)s official · %(p)s pending · %(e)s estimated")
                    % {"o": strip.official, "p": strip.pending, "e": strip.estimated}
                ),
            ],
            className="cw-card",
        )
    )
    return cards


def source_links(sources) -> list:
    """Each source as a link when it is an address, else as text, comma-separated."""
    out: list = []
    for index, source in enumerate(sources[:3]):
        if index:
            out.append(", ")
        if source.startswith(("http://", "https://")):
            host = source.split("/")[2]
            out.append(html.A(host, href=source, target="_blank", rel="noopener"))
        else:
            out.append(source)
    return out


@callback(
    Output("overview-url", "search"),
    Input("overview-period", "value"),
    Input("overview-route", "value"),
    Input("overview-find", "value"),
    Input("overview-layers", "overlays"),
    State("overview-lang", "data"),
    prevent_initial_call=True,
)
def share_view(period: object, route: object, node: object, layers: object, lang: object) -> str:
    """The view in the address bar, so it can be shared and restored."""
    first, last = gateway.month_bounds(*period_of(period))
    query = {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
    if isinstance(route, str) and route:
        query["route"] = route
    if isinstance(node, str) and node:
        query["node"] = node
    keys = layer_keys(layers)
    if tuple(keys) != DEFAULT_LAYERS:
        query["layers"] = ",".join(keys)
    if isinstance(lang, str) and lang:
        query["lang"] = lang
    return "?" + urlencode(query)


@callback(
    Output("overview-headline", "children"),
    Output("overview-period-label", "children"),
    Input("overview-period", "value"),
)
def show_headline(period: object):
    first, last = gateway.month_bounds(*period_of(period))
    return headline_strip(gateway.headline(first, last)), f"{first:%Y-%m} – {last:%Y-%m}"


@callback(
    Output("overview-play-tick", "disabled"),
    Output("overview-play", "children"),
    Input("overview-play", "n_clicks"),
    State("overview-play-tick", "disabled"),
    prevent_initial_call=True,
)
def toggle_play(_n, disabled):
    playing = bool(disabled)  # it was stopped: start
    return (not playing), ("⏸" if playing else "▶")


@callback(
    Output("overview-period", "value"),
    Input("overview-play-tick", "n_intervals"),
    State("overview-period", "value"),
    prevent_initial_call=True,
)
def step_period(_n, period: object):
    """Move the window one month on (back to the start after the last month)."""
    low, high = gateway.month_range()
    first, last = period_of(period)
    if last + 1 > high:
        width = last - first
        return [low, low + width]
    return [first + 1, last + 1]


@callback(
    Output("overview-export", "href"),
    Input("overview-map", "bounds"),
    prevent_initial_call=True,
)
def export_link(bounds):
    """The export page for the area on screen (bounds: [[south, west], [north, east]])."""
    try:
        (south, west), (north, east) = bounds
        box = [max(-180.0, float(west)), max(-90.0, float(south))]
        box += [min(180.0, float(east)), min(90.0, float(north))]
    except (TypeError, ValueError):
        return "/dash/export"
    return "/dash/export?bbox=" + ",".join(f"{v:.4f}" for v in box)


@callback(
    Output("overview-route-link", "children"),
    Input("overview-route", "value"),
    prevent_initial_call=True,
)
def route_link(route: str | None):
    if not isinstance(route, str) or not route:
        return None
    return html.A(
        _("Rail KPIs of this route →"), href=f"/dash/route/{route}", id="overview-kpi-link"
    )


def _may_change_alerts() -> bool:
    return gateway.may_change_alerts(
        getattr(flask.g, "user", None) if flask.has_app_context() else None
    )


def _strings(value: object) -> list[str] | None:
    """A multi-choice dropdown's value as strings (None: nothing chosen or not a list)."""
    if not isinstance(value, list):
        return None
    chosen = [v for v in value if isinstance(v, str)][:50]
    return chosen or None


@callback(
    Output("overview-alert-groups", "children"),
    Output("overview-alert-count", "children"),
    Output("overview-alert-places", "options"),
    Output("overview-alert-said", "children"),
    Input("overview-tick", "n_intervals"),
    Input("overview-alert-kinds", "value"),
    Input("overview-alert-places", "value"),
    Input("overview-alert-acknowledged", "value"),
    Input({"type": "overview-alert-act", "ids": ALL, "state": ALL, "key": ALL}, "n_clicks"),
    State("overview-lang", "data"),
    prevent_initial_call=True,
)
def update_alerts(_n, kinds, places, acknowledged, _clicks, lang):
    """The alerts again: on the clock, a filter's change, or an official's acknowledge or
    close (of one alert or a group)."""
    lang = lang if isinstance(lang, str) else "en"
    said = ""
    act = dash.ctx.triggered_id
    clicked = bool(dash.ctx.triggered and dash.ctx.triggered[0].get("value"))
    if isinstance(act, dict) and act.get("type") == "overview-alert-act" and clicked:
        ids = [int(i) for i in str(act.get("ids", "")).split(",") if i.isdigit()]
        user = getattr(flask.g, "user", None)
        result = gateway.change_alerts(user, ids[: gateway.ALERTS_SHOWN], str(act.get("state")))
        said = result if isinstance(result, str) else _("%(n)s changed.") % {"n": result}
    shown_ack = isinstance(acknowledged, list) and "yes" in acknowledged
    found = gateway.live_alerts(lang, kinds=_strings(kinds), acknowledged=shown_ack)
    places_chosen = _strings(places)
    shown = [a for a in found if places_chosen is None or a.place in places_chosen]
    options = sorted(
        ({"value": a.place, "label": a.place_name} for a in found if a.place),
        key=lambda o: o["label"],
    )
    unique = list({o["value"]: o for o in options}.values())
    return alert_panel.groups(shown, _may_change_alerts()), f" ({len(shown)})", unique, said


@callback(
    Output("overview-detail", "children"),
    Input("overview-nodes", "clickData"),
    Input("overview-find", "value"),
    Input("overview-lang", "data"),
    State("overview-period", "value"),
    prevent_initial_call=True,
)
def show_node(click: dict | None, found: str | None, lang: str, period: object = None):
    lang = lang if isinstance(lang, str) else "en"
    code = found if dash.ctx.triggered_id == "overview-find" else _property(click, "code")
    if not isinstance(code, str) or not code:
        return dash.no_update
    first, last = gateway.month_bounds(*period_of(period))
    detail = gateway.node_detail(code, lang, on=last, period=(first, last))
    if detail is None:
        return html.P(_("Unknown node."))
    panel = node_panel(detail)
    series = gateway.node_throughput(code, first, last)
    if series is not None and not series.empty:
        labels = {
            "official": _("Official"),
            "pending": _("Pending review"),
            "ais": _("AIS estimate"),
        }
        panel.children.append(
            dcc.Graph(
                id="overview-node-throughput",
                figure=figures.throughput_chart(series, labels, _("Containers by month (TEU)")),
                config={"displayModeBar": False},
            )
        )
    return panel


@callback(
    Output("overview-map", "viewport"),
    Input("overview-find", "value"),
    prevent_initial_call=True,
)
def fly_to_node(code: str | None):
    place = gateway.node_position(code) if isinstance(code, str) and code else None
    if place is None:
        return dash.no_update
    return {"center": [place[1], place[0]], "zoom": 10, "transition": "flyTo"}


def _property(click: object, name: str) -> object:
    """A property of a clicked map feature; None when the click data is not a feature (it
    comes from the browser: anything may arrive)."""
    if not isinstance(click, dict):
        return None
    properties = click.get("properties")
    return properties.get(name) if isinstance(properties, dict) else None


@callback(
    Output("overview-trains", "data"),
    Output("overview-rail-status", "children"),
    Input("overview-tick", "n_intervals"),
    prevent_initial_call=True,
)
def refresh_trains(_n: int):
    layer = gateway.live_trains()
    count = len(layer["features"])
    late = sum(1 for f in layer["features"] if f["properties"]["delay_class"] != "on_time")
    status = _("%(count)s trains running · %(late)s late") % {"count": count, "late": late}
    return layer, status


@callback(
    Output("overview-detail", "children", allow_duplicate=True),
    Input("overview-trains", "clickData"),
    State("overview-lang", "data"),
    prevent_initial_call=True,
)
def show_train(click: dict | None, lang: str):
    lang = lang if isinstance(lang, str) else "en"
    train_id = _property(click, "id")
    if train_id is None:
        return dash.no_update
    d = gateway.train_detail(train_id, lang)
    if d is None:
        return html.P(_("Unknown train."))
    return train_panel(d)


def _when(t) -> str:
    return "—" if t is None else t.strftime("%m-%d %H:%M")


def train_panel(d: gateway.TrainDetail) -> html.Div:
    late = (
        "—"
        if d.delay_min is None
        else _("%(n)s min against plan (threshold %(t)s min)")
        % {"n": d.delay_min, "t": d.threshold_min}
    )
    rows = [
        html.Tr(
            [
                html.Td(s.station),
                html.Td(s.event),
                html.Td(_when(s.booked)),
                html.Td(_when(s.actual) + (" *" if s.classifier == "estimated" else "")),
                html.Td("" if s.delay_min is None else f"{s.delay_min:+d}"),
            ]
        )
        for s in d.stops
    ]
    return html.Div(
        id="overview-train-panel",
        **{"data-train": d.train_no},
        children=[
            html.H2(f"{d.train_no} · {d.service_date}"),
            html.Div(f"{d.service_type} · {d.origin} → {d.destination}", className="cw-muted"),
            html.Div([_("Status"), f": {d.status}"]),
            html.Div([_("Delay"), f": {late}"]),
            html.Div(
                [
                    _("Delay against the original plan"),
                    ": ",
                    "—" if d.delay_original_min is None else f"{d.delay_original_min} min",
                ]
            ),
            html.Div([_("TEU"), f": {d.teu or '—'}"]),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Station")),
                                html.Th(_("Event")),
                                html.Th(_("Booked")),
                                html.Th(_("Actual")),
                                html.Th(_("min")),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                className="cw-figures",
            ),
            html.P(_("Times UTC; * estimated."), className="cw-muted"),
            html.A(_("Rail KPIs of this route →"), href=f"/dash/route/{d.route}")
            if d.route
            else None,
        ],
    )


@callback(
    Output("overview-vessels", "url"),
    Output("overview-ais-status", "children"),
    Input("overview-tick", "n_intervals"),
    prevent_initial_call=True,
)
def refresh_vessels(n: object):
    """A new URL for the layer (the browser fetches it: thousands of vessels never pass
    through a callback) and the status line."""
    tick = n if isinstance(n, int) and not isinstance(n, bool) else 0
    count, newest = gateway.live_vessel_status()
    if not count or newest is None:
        return gateway.live_vessels_url(tick), _("No vessel reported in the last hour.")
    return gateway.live_vessels_url(tick), _(
        "%(count)s vessels live · last report %(time)s UTC"
    ) % {
        "count": count,
        "time": newest.astimezone(UTC).strftime("%H:%M:%S"),
    }


@callback(
    Output("overview-detail", "children", allow_duplicate=True),
    Output("overview-track", "data"),
    Input("overview-vessels", "clickData"),
    State("overview-lang", "data"),
    prevent_initial_call=True,
)
def show_vessel(click: dict | None, lang: str):
    lang = lang if isinstance(lang, str) else "en"
    mmsi = _property(click, "mmsi")
    if mmsi is None:
        return dash.no_update, dash.no_update
    return _vessel(mmsi, lang)


@callback(
    Output("overview-find-vessel", "options"),
    Input("overview-find-vessel", "search_value"),
    State("overview-find-vessel", "value"),
    State("overview-find-vessel", "options"),
    prevent_initial_call=True,
)
def find_vessels(text: object, chosen: object, shown: object):
    """The vessel search's menu as the user types (the chosen vessel kept in it)."""
    if not isinstance(text, str) or len(text.strip()) < 2:
        raise PreventUpdate
    options = gateway.vessel_options(text)
    kept = [o for o in (shown if isinstance(shown, list) else []) if isinstance(o, dict)]
    if chosen and not any(o["value"] == chosen for o in options):
        options += [o for o in kept if o.get("value") == chosen]
    return options


@callback(
    Output("overview-detail", "children", allow_duplicate=True),
    Output("overview-track", "data", allow_duplicate=True),
    Output("overview-map", "viewport", allow_duplicate=True),
    Input("overview-find-vessel", "value"),
    State("overview-lang", "data"),
    prevent_initial_call=True,
)
def show_found_vessel(mmsi: object, lang: str):
    """A vessel picked in the search: its panel, its track and the map on it."""
    if not mmsi:
        raise PreventUpdate
    panel, track = _vessel(mmsi, lang if isinstance(lang, str) else "en")
    place = gateway.vessel_position(mmsi)
    view = (
        {"center": [place[1], place[0]], "zoom": 10, "transition": "flyTo"}
        if place
        else dash.no_update
    )
    return panel, track, view


def _vessel(mmsi: object, lang: str):
    """A vessel's panel and recent track (or "Unknown vessel.")."""
    d = gateway.vessel_detail(mmsi, lang)
    if d is None:
        return html.P(_("Unknown vessel.")), None
    return vessel_panel(d), gateway.vessel_track_line(d.mmsi)


def vessel_panel(d: gateway.VesselDetail) -> html.Div:
    def row(label, value):
        return html.Tr([html.Td(label), html.Td("—" if value in (None, "") else value)])

    status = gateway.nav_status_label(d.nav_status)
    return html.Div(
        id="overview-vessel-panel",
        **{"data-mmsi": str(d.mmsi)},
        children=[
            html.H2(d.name),
            html.Div(
                f"MMSI {d.mmsi}"
                + (f" · IMO {d.imo}" if d.imo else "")
                + (f" · {d.callsign}" if d.callsign else ""),
                className="cw-muted",
            ),
            html.Table(
                className="cw-vessel-table",
                children=[
                    html.Tbody(
                        [
                            row(_("Type"), d.type),
                            row(_("Speed"), None if d.sog_kn is None else f"{d.sog_kn:.1f} kn"),
                            row(
                                _("Course"),
                                None if d.cog_deg is None else f"{d.cog_deg:.0f}°",
                            ),
                            row(
                                _("Heading"),
                                None if d.heading_deg is None else f"{d.heading_deg}°",
                            ),
                            row(_("Status"), status),
                            row(_("Destination"), d.destination),
                            row(
                                _("Size"),
                                f"{d.length_m} × {d.beam_m} m" if d.length_m else None,
                            ),
                            row(_("Draught"), f"{d.draught_m} m" if d.draught_m else None),
                            row(
                                _("Last report"),
                                d.ts.strftime("%Y-%m-%d %H:%M:%S UTC") if d.ts else None,
                            ),
                            row(_("Station"), d.source),
                        ]
                    )
                ],
            ),
            html.P(_("Track of the last 6 hours shown on the map."), className="cw-muted"),
        ],
    )


# A new selection scrolls the side column back to its top, where the panel is.
clientside_callback(
    """function (children) {
        const side = document.querySelector("#overview-detail");
        const column = side && side.closest(".cw-panel");
        if (column) { column.scrollTop = 0; }
        return Date.now();
    }""",
    Output("overview-detail-shown", "data"),
    Input("overview-detail", "children"),
    prevent_initial_call=True,
)
