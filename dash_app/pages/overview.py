"""Overview page: the corridor map with nodes, routes and the node panel."""

from __future__ import annotations

import dash
import dash_leaflet as dl
import flask
from dash import Input, Output, callback, dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import gateway
from dash_app.components.legend import legend

dash.register_page(__name__, path="/", name="Overview", title="Corridor Watch")

MAP_CENTER = [22.0, 106.0]


def _basemap_layers() -> list:
    urls = gateway.basemap_urls()
    style = {
        "land": {"color": "#c9c2ae", "weight": 0.6, "fillColor": "#f4f1e8", "fillOpacity": 1},
        "lakes": {"color": "#9cc3dc", "weight": 0.5, "fillColor": "#cfe3f0", "fillOpacity": 1},
        "rivers": {"color": "#8fbcd8", "weight": 1.2},
        "country_borders": {"color": "#8a8a8a", "weight": 1, "dashArray": "4 3"},
    }
    layers = []
    tile = gateway.tile_layer()
    if tile:
        layers.append(dl.TileLayer(url=tile[0], attribution=tile[1]))
    for name, url in urls.items():
        layers.append(
            dl.GeoJSON(id=f"overview-basemap-{name}", url=url, style=style[name], interactive=False)
        )
    return layers


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
                hidden=lang.startswith("zh"),
            ),
            html.Span(str(user or "")),
        ],
    )


def layout(**query) -> html.Div:
    lang = translation.get_language() or "en"
    return html.Div(
        [
            _top_bar(lang),
            html.Div(
                className="cw-body",
                children=[
                    dl.Map(
                        id="overview-map",
                        center=MAP_CENTER,
                        zoom=5,
                        minZoom=3,
                        maxZoom=12,
                        className="cw-map",
                        preferCanvas=False,
                        children=[
                            *_basemap_layers(),
                            dl.GeoJSON(
                                id="overview-routes",
                                url=gateway.segments_url(),
                                style={"variable": "corridorMap.routeStyle"},
                                onEachFeature={"variable": "corridorMap.segmentTooltip"},
                                hideout={"modeColours": gateway.MODE_COLOURS},
                            ),
                            dl.GeoJSON(
                                id="overview-nodes",
                                data=gateway.map_nodes(lang),
                                pointToLayer={"variable": "corridorMap.nodeMarker"},
                            ),
                            dl.ScaleControl(position="bottomleft", imperial=False),
                        ],
                    ),
                    html.Aside(
                        className="cw-panel",
                        children=[
                            html.Label(_("Find a node"), htmlFor="overview-find"),
                            dcc.Dropdown(
                                id="overview-find",
                                options=gateway.node_options(lang),
                                placeholder=_("Name or code"),
                                clearable=True,
                            ),
                            html.Label(_("Route"), htmlFor="overview-route"),
                            dcc.Dropdown(
                                id="overview-route",
                                options=gateway.route_options(lang),
                                placeholder=_("All routes"),
                                clearable=True,
                            ),
                            html.Div(
                                id="overview-detail",
                                children=html.P(
                                    _("Click a node on the map to see its services and figures."),
                                    className="cw-muted",
                                ),
                            ),
                            legend(gateway.MODE_COLOURS),
                        ],
                    ),
                ],
            ),
            dcc.Store(id="overview-lang", data=lang),
        ]
    )


@callback(
    Output("overview-nodes", "data"),
    Output("overview-routes", "url"),
    Input("overview-route", "value"),
    Input("overview-lang", "data"),
    prevent_initial_call=True,
)
def filter_route(route: str | None, lang: str):
    return gateway.map_nodes(lang, route), gateway.segments_url(route)


@callback(
    Output("overview-detail", "children"),
    Input("overview-nodes", "clickData"),
    Input("overview-find", "value"),
    Input("overview-lang", "data"),
    prevent_initial_call=True,
)
def show_node(click: dict | None, found: str | None, lang: str):
    if dash.ctx.triggered_id == "overview-find":
        code = found
    else:
        code = (click or {}).get("properties", {}).get("code")
    if not code:
        return dash.no_update
    detail = gateway.node_detail(code, lang)
    if detail is None:
        return html.P(_("Unknown node."))
    return node_panel(detail)


@callback(
    Output("overview-map", "viewport"),
    Input("overview-find", "value"),
    prevent_initial_call=True,
)
def fly_to_node(code: str | None):
    place = gateway.node_position(code) if code else None
    if place is None:
        return dash.no_update
    return {"center": [place[1], place[0]], "zoom": 10, "transition": "flyTo"}


def node_panel(d: dict) -> html.Div:
    other_name = d["name_zh"] if d["name"] == d["name_en"] else d["name_en"]
    score = f"{d['coverage_score']:.0%}" if d["coverage_assessed"] else _("no evidence recorded")
    services = [
        html.Li(
            [
                html.Span(s["category"]),
                " — ",
                html.Span(s["level_label"], className=f"cw-level-{s['level']}"),
                f" ({s['since_year']})" if s["since_year"] else "",
                " ",
                html.A(_("evidence"), href=s["evidence_url"], target="_blank", rel="noopener")
                if s["evidence_url"]
                else "",
            ]
        )
        for s in d["services"]
    ]
    figures = [
        html.Tr(
            [
                html.Td(f["metric"]),
                html.Td(f["period"]),
                html.Td(f["value"]),
                html.Td(
                    html.A(
                        f["entity"] or _("source"), href=f["url"], target="_blank", rel="noopener"
                    )
                    if f["url"]
                    else f["entity"]
                ),
            ]
        )
        for f in d["figures"][:12]
    ]
    return html.Div(
        id="overview-node-panel",
        **{"data-code": d["code"]},
        children=[
            html.H2(d["name"]),
            html.Div(
                f"{other_name} · {d['code']}" + (f" · {d['unlocode']}" if d["unlocode"] else ""),
                className="cw-muted",
            ),
            html.Div(", ".join(d["kinds"])),
            html.Div(
                [_("Coordinates"), f": {d['lat']:.3f}, {d['lon']:.3f} — {d['coord_quality']}"],
                className="cw-muted",
            ),
            html.Div([_("Routes"), ": ", ", ".join(d["routes"]) or "—"]),
            html.H3([_("Digital services"), " · ", _("coverage"), " ", score]),
            html.Ul(services, className="cw-services", id="overview-services")
            if services
            else html.P(_("No digital service recorded."), className="cw-muted"),
            html.Div([_("Not recorded"), ": ", ", ".join(d["missing"])], className="cw-muted")
            if d["missing"]
            else None,
            html.H3(
                [_("Figures"), " (" + _("incl.") + " " + d["group"] + ")" if d["group"] else ""]
            ),
            html.Table([html.Tbody(figures)], className="cw-figures")
            if figures
            else html.P(_("No figures recorded."), className="cw-muted"),
        ],
    )
