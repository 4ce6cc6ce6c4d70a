"""Export page: a layer, its filters, a format and a CRS; small exports come back at once,
larger ones run in the background with their progress shown; the user's history with a
re-run button. `?bbox=w,s,e,n` (the map's "Export what I see") prefills the area."""

from __future__ import annotations

import dash
import dash_leaflet as dl
import flask
from dash import ALL, Input, Output, State, callback, dcc, html
from django.utils import translation
from django.utils.translation import gettext as _

from dash_app import gateway
from dash_app.components.basemap import basemap_layers

dash.register_page(__name__, path="/export", name="Export", title="Export")


def _bar() -> html.Div:
    return html.Div(
        className="cw-bar",
        children=[
            html.A("← " + _("Corridor map"), href="/dash/", className="cw-title"),
            html.Span(_("Export")),
            html.A(_("Corridor report"), href="/dash/report"),
        ],
    )


def layout(bbox: str = "", layer: str = "nodes", **query) -> html.Div:
    lang = translation.get_language() or "en"
    field = {"style": {"display": "block", "marginBottom": "8px", "width": "100%"}}
    return html.Div(
        id="export-page",
        children=[
            _bar(),
            html.Div(
                className="cw-port-grid",
                children=[
                    html.Div(
                        className="cw-port-side",
                        children=[
                            html.Label(_("Layer"), htmlFor="export-layer"),
                            dcc.Dropdown(
                                id="export-layer",
                                options=gateway.export_layer_options(),
                                value=layer if isinstance(layer, str) else "nodes",
                                clearable=False,
                            ),
                            html.Label(_("Format"), htmlFor="export-format"),
                            dcc.Dropdown(
                                id="export-format",
                                options=gateway.EXPORT_FORMATS,
                                value="gpkg",
                                clearable=False,
                            ),
                            html.Label(_("Coordinates"), htmlFor="export-crs"),
                            dcc.Dropdown(
                                id="export-crs",
                                options=[
                                    {"label": "EPSG:4326 (WGS84)", "value": 4326},
                                    {"label": "EPSG:4490 (CGCS2000)", "value": 4490},
                                    {"label": "EPSG:3857 (Web Mercator)", "value": 3857},
                                ],
                                value=4326,
                                clearable=False,
                            ),
                            html.Label(_("Area (west,south,east,north)"), htmlFor="export-bbox"),
                            dcc.Input(
                                id="export-bbox",
                                value=bbox if isinstance(bbox, str) else "",
                                **field,
                            ),
                            html.Label(_("Route"), htmlFor="export-route"),
                            dcc.Dropdown(id="export-route", options=gateway.route_options(lang)),
                            html.Label(_("From (YYYY-MM-DD)"), htmlFor="export-start"),
                            dcc.Input(id="export-start", **field),
                            html.Label(_("To (YYYY-MM-DD)"), htmlFor="export-end"),
                            dcc.Input(id="export-end", **field),
                            html.Div(
                                _(
                                    "Both days included: from the start of the first to the "
                                    "end of the last (UTC)."
                                ),
                                id="export-dates-note",
                                className="cw-muted",
                            ),
                            html.Label(_("Port or node code"), htmlFor="export-node"),
                            dcc.Input(id="export-node", **field),
                            html.Button(_("Export"), id="export-go"),
                            html.Div(id="export-result", className="cw-status"),
                        ],
                    ),
                    html.Div(
                        className="cw-port-main",
                        children=[
                            html.H3(_("Area")),
                            html.P(
                                _(
                                    "Draw a rectangle on the map (the square button) to export "
                                    "only what lies in it, or type its corners beside."
                                ),
                                className="cw-muted",
                            ),
                            area_map(box_of(bbox)),
                            html.H3(_("My exports")),
                            html.Div(id="export-history"),
                            dcc.Interval(id="export-tick", interval=3000),
                        ],
                    ),
                ],
            ),
        ],
    )


def box_of(text: object) -> list[float] | None:
    """[west, south, east, north] of an area typed `w,s,e,n` (None: none or not one)."""
    if not isinstance(text, str):
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return [west, south, east, north]


def drawn_box(geojson: object) -> list[float] | None:
    """The box of the last shape drawn on the area map (its GeoJSON from the browser:
    anything may arrive), None when there is none."""
    features = geojson.get("features") if isinstance(geojson, dict) else None
    if not isinstance(features, list) or not features:
        return None
    last = features[-1]
    geometry = last.get("geometry") if isinstance(last, dict) else None
    rings = geometry.get("coordinates") if isinstance(geometry, dict) else None
    try:
        points = [(float(x), float(y)) for x, y, *_rest in rings[0]]  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return None
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return box_of(",".join(f"{v:.4f}" for v in (min(xs), min(ys), max(xs), max(ys))))


def _rectangle(box: list[float] | None) -> list:
    if box is None:
        return []
    west, south, east, north = box
    return [
        dl.Rectangle(
            bounds=[[south, west], [north, east]],
            pathOptions={"color": "#c2255c", "weight": 2, "fillOpacity": 0.08},
            interactive=False,
        )
    ]


def area_map(box: list[float] | None) -> dl.Map:
    """The corridor with the export's area: drawn as a rectangle, or shown when typed."""
    opening = gateway.corridor_bounds()
    return dl.Map(
        id="export-map",
        bounds=[[box[1], box[0]], [box[3], box[2]]] if box else opening,
        className="cw-export-map",
        children=[
            *basemap_layers("export"),
            dl.LayerGroup(id="export-area", children=_rectangle(box)),
            dl.FeatureGroup(
                dl.EditControl(
                    id="export-draw",
                    position="topleft",
                    draw={
                        "rectangle": {"shapeOptions": {"color": "#e8590c"}},
                        "polyline": False,
                        "polygon": False,
                        "circle": False,
                        "marker": False,
                        "circlemarker": False,
                    },
                    edit={"edit": False, "remove": False},
                )
            ),
        ],
    )


@callback(
    Output("export-bbox", "value"),
    Input("export-draw", "geojson"),
    prevent_initial_call=True,
)
def take_drawn_area(geojson):
    """A rectangle drawn on the map becomes the export's area."""
    box = drawn_box(geojson)
    if box is None:
        return dash.no_update
    return ",".join(f"{v:.4f}" for v in box)


@callback(
    Output("export-area", "children"),
    Input("export-bbox", "value"),
    prevent_initial_call=True,
)
def show_area(text):
    """The area typed (or drawn) shown on the map."""
    return _rectangle(box_of(text))


def _filters(bbox, route, start, end, node) -> dict:
    raw = {"bbox": bbox, "route": route, "start": start, "end": end, "node": node}
    return {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}


def job_line(job: gateway.ExportView) -> html.Tr:
    params = ", ".join(f"{k}={v}" for k, v in job.params.items()) or "—"
    state = job.state_label + (f" {job.progress:.0%}" if job.state == "running" else "")
    return html.Tr(
        [
            html.Td(f"{job.created_at:%m-%d %H:%M}"),
            html.Td(job.layer),
            html.Td(job.format),
            html.Td(f"EPSG:{job.crs}"),
            html.Td(params),
            html.Td(
                [state, html.Br(), html.Span(job.message, className="cw-muted")]
                if job.message
                else state
            ),
            html.Td(
                html.A(_("download"), href=job.download, id=f"export-download-{job.id}")
                if job.download
                else "—"
            ),
            html.Td(
                html.Button(_("cancel"), id={"type": "export-cancel", "index": job.id})
                if job.state in ("queued", "running")
                else html.Button(_("re-run"), id={"type": "export-rerun", "index": job.id})
            ),
        ],
        className=f"cw-job-{job.state}",
    )


def history_table(jobs: list[gateway.ExportView]) -> html.Table | html.P:
    if not jobs:
        return html.P(_("No export yet."), className="cw-muted")
    head = [_("Asked"), _("Layer"), _("Format"), _("CRS"), _("Filters"), _("State"), "", ""]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody([job_line(j) for j in jobs])],
        className="cw-figures",
        id="export-history-table",
    )


@callback(
    Output("export-result", "children"),
    Input("export-go", "n_clicks"),
    State("export-layer", "value"),
    State("export-format", "value"),
    State("export-crs", "value"),
    State("export-bbox", "value"),
    State("export-route", "value"),
    State("export-start", "value"),
    State("export-end", "value"),
    State("export-node", "value"),
    prevent_initial_call=True,
)
def export(_n, layer, fmt, crs, bbox, route, start, end, node):
    if not isinstance(layer, str) or not isinstance(fmt, str):
        return _("Choose a layer and a format.")
    try:
        srid = int(crs)
    except (TypeError, ValueError):
        srid = 4326
    user = flask.g.user
    lang = translation.get_language() or "en"
    result = gateway.request_export(
        user, layer, fmt, srid, _filters(bbox, route, start, end, node), lang
    )
    if isinstance(result, str):
        return html.Span(result, className="cw-level-none", id="export-error")
    if result.download:
        return html.A(
            _("Download %(layer)s (%(rows)s rows)") % {"layer": result.layer, "rows": result.rows},
            href=result.download,
            id="export-download",
        )
    return html.Span(_("Queued: it runs in the background; see My exports."), id="export-queued")


@callback(
    Output("export-history", "children"),
    Input("export-tick", "n_intervals"),
    Input("export-result", "children"),
    Input({"type": "export-rerun", "index": ALL}, "n_clicks"),
    Input({"type": "export-cancel", "index": ALL}, "n_clicks"),
)
def history(_n, _result, reruns, cancels):
    user = flask.g.user
    trigger = dash.ctx.triggered_id
    refused = None
    if isinstance(trigger, dict) and any([*(reruns or []), *(cancels or [])]):
        if trigger.get("type") == "export-rerun":
            again = gateway.rerun_export(user, trigger.get("index"))
            refused = again if isinstance(again, str) else None
        elif trigger.get("type") == "export-cancel":
            gateway.cancel_export(user, trigger.get("index"))
    table = history_table(gateway.user_exports(user))
    if refused:
        return html.Div([html.P(refused, className="cw-level-none", id="export-error"), table])
    return table
