"""The corridor report for a period and a route (or the whole corridor), in the user's
language: a self-contained HTML map made with folium (works with the network cut off:
Leaflet and the bundled basemap inlined, no tiles unless CW_TILE_URL is set), and the same
report as PDF (reportlab: a map drawn without network by matplotlib, tables, charts, the
source of every figure; a CJK font so Chinese renders).

Figures: container throughput (TEU) per node and for the nodes together in the period,
against the previous period of the same length and the same period a year earlier, counted
by ports.services.totals (official figures whose period lies inside the window; a port
group's figure stands for its members once; what each covers, like-for-like comparisons
only); digital-service coverage and gaps along the route; port calls and the median
anchorage wait per watched port; sea-rail trains run. The throughput table is built once
(`throughput_table`) and rendered as HTML and as PDF.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.names import is_chinese, localized
from corridors.choices import MODE_COLOURS
from corridors.models import Route, RouteSegment
from corridors.services.coverage import compute_route_coverage
from geo.models import Node
from geo.services import basemap, tiles
from geo.services.coverage import categories, compute_coverage, coverage_hex, evidence_sources
from geo.services.nodes import nodes_extent
from portcalls.services.calls import watched_ports
from portcalls.services.metrics import period_calls
from ports.choices import QUALIFIER_SIGNS
from ports.services import totals
from ports.services.totals import Comparison
from rail.services import kpis as rail_kpis

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
LEAFLET_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "leaflet"


@dataclass
class NodeRow:
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    coverage: float | None
    teu: float | None
    teu_previous: float | None
    teu_last_year: float | None
    sources: list[str] = field(default_factory=list)
    qualifier: str = ""
    covers: str = ""
    vs_previous: Comparison | None = None
    vs_last_year: Comparison | None = None

    @property
    def mapped(self) -> bool:
        """A statistical port group has no place of its own on a map."""
        return self.kind != "port_group"


@dataclass
class PortRow:
    code: str
    name: str
    calls: int | None  # None: no AIS data near the port in the period
    median_wait_h: float | None


@dataclass
class ReportData:
    title: str
    route: str | None
    route_name: str
    start: date
    end: date
    language: str
    nodes: list[NodeRow]
    segments: list[dict[str, Any]]
    gaps: list[tuple[str, str, str]]  # node, category, offered by
    route_score: float | None
    ports: list[PortRow]
    trains_run: int
    trains_cancelled: int
    generated: datetime
    sources: list[str]
    total: NodeRow | None = None  # the nodes together (a group standing for its members)


def build(route_code: str | None, start: date, end: date, language: str) -> ReportData:
    route = Route.objects.filter(code=route_code).first() if route_code else None
    nodes_qs = Node.objects.mapped().order_by("code")
    if route is not None:
        nodes_qs = nodes_qs.filter(routes=route).distinct()
    nodes = list(nodes_qs)
    coverage = compute_coverage(nodes)
    # A member's group has the figure that counts it: the group gets a row of its own.
    groups = list(Node.objects.filter(pk__in={n.group_id for n in nodes if n.group_id}))
    rows = []
    sources: list[str] = []
    shown = sorted([*nodes, *groups], key=lambda n: n.code)
    figures = totals.node_period_figures("teu", start, end, shown)
    for n in shown:
        cov = coverage.get(n.code)
        figure = figures[n.code]
        sources.extend(s for s in figure.now.sources if s not in sources)
        rows.append(
            _throughput_row(
                n.code,
                localized(n, language),
                n.kind,
                n.geom.x,
                n.geom.y,
                figure,
                cov.score if cov and cov.assessed else None,
            )
        )
    port_ids = set(totals.port_node_ids()) & {n.pk for n in nodes}
    together = totals.period_figure("teu", start, end, port_ids)
    total_row = _throughput_row("", _("Ports of the report, together"), "", 0.0, 0.0, together)
    seg_qs = RouteSegment.objects.select_related("route", "from_node", "to_node")
    if route is not None:
        seg_qs = seg_qs.filter(route=route)
    segments = [
        {
            "route": s.route.code,
            "mode": s.mode,
            "coords": [(float(x), float(y)) for x, y in s.geom.coords],
            "label": f"{s.route.code} {s.from_node.code}–{s.to_node.code}",
            "schematic": s.schematic,
        }
        for s in seg_qs
    ]
    routes = [route] if route else list(Route.objects.all())
    route_cov = compute_route_coverage(routes, node_coverage=coverage)
    # A node's missing service once, however many routes it lies on (their neighbours
    # merged), in words.
    offered: dict[tuple[str, str], list[str]] = {}
    for rc in route_cov:
        for g in rc.gaps:
            merged = offered.setdefault((g.node, g.category), [])
            merged.extend(o for o in g.offered_by if o not in merged)
    node_names = {
        n.code: localized(n, language)
        for n in Node.objects.filter(
            code__in={c for key, by in offered.items() for c in (key[0], *by)}
        )
    }
    category_names = {c.code: localized(c, language) for c in categories()}
    gaps = [
        (
            node_names.get(node, node),
            category_names.get(category, category),
            ", ".join(node_names.get(o, o) for o in by),
        )
        for (node, category), by in sorted(offered.items())
    ]
    score = next(
        (rc.score for rc in route_cov if route is not None and rc.code == route.code), None
    )
    ports = []
    for port in watched_ports().order_by("code"):
        if route is not None and port not in nodes:
            continue
        calls = period_calls(start, end, [port])
        ports.append(
            PortRow(port.code, localized(port, language), calls.count, calls.median_wait_h)
        )
    sources.extend(u for u in evidence_sources(nodes, end) if u not in sources)
    return ReportData(
        title=_("Corridor report"),
        route=route.code if route else None,
        route_name=localized(route, language) if route else _("Whole corridor"),
        start=start,
        end=end,
        language=language,
        nodes=rows,
        segments=segments,
        gaps=gaps,
        route_score=score,
        ports=ports,
        trains_run=rail_kpis.trains_run(start, end, route),
        trains_cancelled=rail_kpis.trains_cancelled(start, end, route),
        generated=datetime.now(UTC),
        sources=sources,
        total=total_row,
    )


def _throughput_row(
    code: str,
    name: str,
    kind: str,
    lon: float,
    lat: float,
    figure: totals.PeriodFigure,
    coverage: float | None = None,
) -> NodeRow:
    now = figure.now
    return NodeRow(
        code=code,
        name=name,
        kind=kind,
        lon=lon,
        lat=lat,
        coverage=coverage,
        teu=now.number,
        teu_previous=figure.previous.number,
        teu_last_year=figure.last_year.number,
        sources=list(now.sources),
        qualifier=now.qualifier,
        covers=now.covers_text() if now.value is not None or now.covered_by else "",
        vs_previous=figure.vs_previous,
        vs_last_year=figure.vs_last_year,
    )


# -- HTML (folium) -------------------------------------------------------------------------
def _basemap() -> dict[str, dict[str, Any]]:
    """The basemap layers every map draws (geo.services.basemap), bottom first."""
    out = {}
    for name in basemap.shown_layers():
        text = basemap.layer_geojson(name)
        if text is not None:
            out[name] = json.loads(text)
    return out


def _radius(teu: float | None) -> float:
    return 5.0 if not teu else max(5.0, min(22.0, 3 + 3.2 * (teu / 1e5) ** 0.5))


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _change(verdict: Comparison | None) -> str:
    """A comparison as the tables show it: a percentage like for like, else why not."""
    if verdict is None:
        return "—"
    if verdict.change is None:
        return _("not comparable: %(reason)s") % {"reason": verdict.reason}
    return f"{QUALIFIER_SIGNS.get(verdict.qualifier, '')}{verdict.change:+.1%}"


def throughput_table(data: ReportData) -> list[list[str]]:
    """The throughput table, header first, as text cells: built once, rendered as HTML
    and as PDF. Rows: each node with a figure (or counted in its group's), then the nodes
    together."""
    rows = [
        [
            _("Node"),
            _("This period"),
            _("Covers"),
            _("Previous period"),
            _("Change"),
            _("Same period last year"),
            _("Change"),
            _("Source"),
        ]
    ]
    shown = [n for n in data.nodes if n.teu is not None or n.covers]
    for n in [*shown, *([data.total] if data.total and data.total.teu is not None else [])]:
        rows.append(
            [
                f"{n.name} ({n.code})" if n.code else n.name,
                QUALIFIER_SIGNS.get(n.qualifier, "") + _fmt(n.teu) if n.teu is not None else "—",
                n.covers or "—",
                _fmt(n.teu_previous),
                _change(n.vs_previous) if n.teu is not None else "—",
                _fmt(n.teu_last_year),
                _change(n.vs_last_year) if n.teu is not None else "—",
                "; ".join(n.sources) or "—",
            ]
        )
    return rows


def html_report(data: ReportData) -> str:
    import folium
    from branca.element import Element

    m = folium.Map(
        location=[22, 106],
        zoom_start=5,
        tiles=None,
        crs=tiles.map_crs(),
        control_scale=True,
        prefer_canvas=False,
    )
    for tile in tiles.tile_sources():  # none by default: the vector basemap below
        folium.TileLayer(
            tiles=tile.url,
            attr=tile.attribution or "tiles",
            subdomains=tile.subdomains,
            zoom_offset=tile.zoom_offset,
            overlay=tile.overlay,
            control=False,
        ).add_to(m)
    approval = tiles.approval_text()
    if approval:  # the map-approval number (审图号) on the map itself
        m.get_root().html.add_child(  # type: ignore[attr-defined]
            Element(
                '<div class="cw-approval" style="position:fixed;left:8px;bottom:28px;'
                "z-index:1000;font-size:11px;background:rgba(255,255,255,.85);"
                f'padding:1px 5px">{html.escape(approval)}</div>'
            )
        )
    m.get_root().header.add_child(  # type: ignore[attr-defined]
        Element(
            "<style>.cw-basemap-label span{display:inline-block;transform:translate(-50%,-50%);"
            f"white-space:nowrap;color:{basemap.LABEL_COLOURS['country']};font-size:12px;"
            "text-shadow:0 0 3px #fff}"
            ".cw-basemap-island span,.cw-basemap-islands span,.cw-basemap-region span{"
            f"font-size:11px;font-style:italic;color:{basemap.LABEL_COLOURS['island']}}}</style>"
        )
    )
    styles = basemap.STYLES
    base = folium.FeatureGroup(name=_("Basemap"), control=False).add_to(m)
    language = translation.get_language() or "en"
    for name, collection in _basemap().items():
        if name == "labels":  # place names as text, in the report's language
            for feature in collection["features"]:
                lon, lat = feature["geometry"]["coordinates"]
                kind = feature["properties"].get("kind", "place")
                text = html.escape(basemap.label_text(feature["properties"], language))
                folium.Marker(
                    [lat, lon],
                    icon=folium.DivIcon(
                        class_name=f"cw-basemap-label cw-basemap-{kind}",
                        html=f"<span>{text}</span>",
                    ),
                    interactive=False,
                ).add_to(base)
            continue
        style = styles[name]
        folium.GeoJson(collection, style_function=lambda _f, s=style: s, interactive=False).add_to(
            base
        )
    by_mode: dict[str, folium.FeatureGroup] = {}
    for s in data.segments:
        group = by_mode.get(s["mode"])
        if group is None:
            group = by_mode[s["mode"]] = folium.FeatureGroup(name=_("Routes") + f": {s['mode']}")
            group.add_to(m)
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [(y, x) for x, y in s["coords"]],
            color=MODE_COLOURS.get(s["mode"], "#555"),
            weight=3,
            dash_array="6 5" if s["schematic"] else None,
            tooltip=html.escape(s["label"]),
        ).add_to(group)
    nodes = folium.FeatureGroup(name=_("Nodes (size: TEU, colour: coverage)")).add_to(m)
    for n in (n for n in data.nodes if n.mapped):
        tip = (
            f"{n.name} ({n.code}) · TEU {_fmt(n.teu)} · "
            + _("coverage")
            + (f" {n.coverage:.0%}" if n.coverage is not None else " —")
        )
        folium.CircleMarker(
            [n.lat, n.lon],
            radius=_radius(n.teu),
            color="#343a40",
            weight=1,
            fill=True,
            fill_color=coverage_hex(n.coverage),
            fill_opacity=0.9,
            tooltip=html.escape(tip),
            class_name="cw-report-node",
        ).add_to(nodes)
    if data.ports:
        calls = folium.FeatureGroup(name=_("Port calls")).add_to(m)
        positions = {n.code: (n.lat, n.lon) for n in data.nodes if n.mapped}
        for p in data.ports:
            if p.code in positions and p.calls:
                folium.CircleMarker(
                    positions[p.code],
                    radius=min(25, 4 + p.calls**0.5),
                    color="#e8590c",
                    weight=2,
                    fill=False,
                    tooltip=html.escape(f"{p.name}: {p.calls} " + _("calls")),
                ).add_to(calls)
    box = nodes_extent([n.code for n in data.nodes if n.mapped])
    points = [(y, x) for s in data.segments for x, y in s["coords"]]
    if box is not None:
        points += [(box[1], box[0]), (box[3], box[2])]
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(20, 20))
    folium.LayerControl(collapsed=False).add_to(m)
    legend = (
        '<div id="cw-report-legend" style="position:absolute;bottom:60px;left:10px;z-index:1000;'
        'background:#fff;padding:6px 10px;border:1px solid #999;font:12px sans-serif">'
        f"<b>{html.escape(_('Legend'))}</b><br>"
        + "".join(
            f'<span style="display:inline-block;width:18px;height:3px;background:{c};'
            f'vertical-align:middle"></span> {html.escape(mode)}<br>'
            for mode, c in MODE_COLOURS.items()
        )
        + f"{html.escape(_('Node colour: digital-service coverage (red none, blue all)'))}<br>"
        + f"{html.escape(_('Node size: container throughput (TEU)'))}</div>"
    )
    m.get_root().html.add_child(Element(legend))  # type: ignore[attr-defined]
    page = m.get_root().render()
    page = _inline_assets(page)
    return _wrap(page, data)


def _inline_assets(page: str) -> str:
    """Leaflet inlined; every other CDN script and stylesheet folium adds removed (the map
    uses none of them), so the file works with the network cut off."""
    js = (LEAFLET_DIR / "leaflet.js").read_text()
    css = (LEAFLET_DIR / "leaflet.css").read_text()

    def script(match: re.Match[str]) -> str:
        src = match.group(1)
        if src.endswith("leaflet.js"):
            return f"<script>{js}</script>"
        return ""

    def link(match: re.Match[str]) -> str:
        href = match.group(1)
        if href.endswith("leaflet.css"):
            return f"<style>{css}</style>"
        return ""

    page = re.sub(r'<script src="(https?://[^"]+)"></script>', script, page)
    page = re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>', link, page)
    return page


def _wrap(page: str, data: ReportData) -> str:
    """The map page with the report's tables appended below the map."""
    tables = _tables_html(data)
    page = page.replace(
        "<html>", f'<html lang="{"zh-Hans" if is_chinese(data.language) else "en"}">', 1
    )
    page = page.replace(
        "</head>",
        "<style>.folium-map{height:60vh!important;position:relative!important}"
        "body{font-family:'WenQuanYi Micro Hei',sans-serif;margin:0}"
        ".cw-report{padding:12px 18px}.cw-report table{border-collapse:collapse;margin:6px 0 14px}"
        ".cw-report td,.cw-report th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
        ".cw-report th{background:#f1f3f5}</style></head>",
        1,
    )
    head = (
        f'<div class="cw-report"><h1>{html.escape(data.title)}: '
        f"{html.escape(data.route_name)}</h1>"
        f"<p>{data.start:%Y-%m-%d} – {data.end:%Y-%m-%d}</p></div>"
    )
    page = page.replace("<body>", f"<body>{head}", 1)
    # The legend belongs inside the map's box.
    move = (
        "<script>document.querySelector('.folium-map')"
        ".appendChild(document.getElementById('cw-report-legend'));</script>"
    )
    return page.replace("</body>", f'<div class="cw-report">{tables}</div>{move}</body>', 1)


@dataclass(frozen=True)
class ReportTable:
    """A table of the report as both renderings show it: a section `heading` (when it opens
    one), an optional `lead` line, the header and the rows as text. The last column of a
    table with `links` holds sources separated by "; "."""

    heading: str
    header: list[str]
    rows: list[list[str]]
    lead: str = ""
    links: bool = False
    widths: tuple[float, ...] = ()  # PDF column widths (cm)


def report_tables(data: ReportData) -> list[ReportTable]:
    """Every table of the report, built once: the HTML template and the PDF render these."""
    head, *rows = throughput_table(data)
    tables = [
        ReportTable(
            _("Container throughput (TEU)"),
            head,
            rows,
            links=True,
            widths=(3.0, 1.7, 2.4, 1.6, 1.6, 1.6, 1.6, 3.7),
        ),
        ReportTable(
            _("Digital-service coverage and gaps"),
            [_("Node"), _("Coverage")],
            [
                [f"{n.name} ({n.code})", "—" if n.coverage is None else f"{n.coverage:.0%}"]
                for n in data.nodes
                if n.mapped
            ],
            lead=(
                f"{_('Route coverage')}: {data.route_score:.0%}"
                if data.route_score is not None
                else ""
            ),
            widths=(9, 3),
        ),
    ]
    if data.gaps:
        tables.append(
            ReportTable(
                "",
                [_("Node"), _("Missing service"), _("Offered by neighbours")],
                [list(g) for g in data.gaps[:60]],
                widths=(3, 5, 9),
            )
        )
    tables.append(
        ReportTable(
            _("Port calls and waiting"),
            [_("Port"), _("Calls"), _("Median anchorage wait (h)")],
            [
                [
                    f"{p.name} ({p.code})",
                    _("no AIS data") if p.calls is None else str(p.calls),
                    "—" if p.median_wait_h is None else f"{p.median_wait_h:g}",
                ]
                for p in data.ports
            ],
            widths=(8, 3, 5),
        )
    )
    return tables


def report_notes(data: ReportData) -> list[str]:
    """The report's sources: how each kind of figure is made, then every figure's source."""
    notes = [
        _("Throughput: official figures only (published or approved operator reports)."),
        _("Port calls: detected from AIS positions by the port's detection rule."),
        _("Coverage: dated, sourced evidence of digital services per node (its sources below)."),
        _("Trains: rail events received by Corridor Watch."),
    ]
    return [*notes, *data.sources]


def trains_line(data: ReportData) -> str:
    if not data.trains_run and not data.trains_cancelled:
        return _("Sea-rail and cross-border trains: no train data for this period")
    return (
        f"{_('Sea-rail and cross-border trains run')}: {data.trains_run} · "
        f"{_('cancelled')}: {data.trains_cancelled}"
    )


def _tables_html(data: ReportData) -> str:
    """The tables, trains and sources as HTML (templates/exports/report_tables.html)."""
    from django.template.loader import render_to_string

    tables = [
        {
            "table": table,
            "rows": [
                {
                    "cells": row[:-1] if table.links else row,
                    "links": [
                        (s, s.startswith(("http://", "https://"))) for s in row[-1].split("; ")
                    ]
                    if table.links
                    else None,
                }
                for row in table.rows
            ],
        }
        for table in report_tables(data)
    ]
    return render_to_string(
        "exports/report_tables.html",
        {
            "tables": tables,
            "trains": trains_line(data),
            "notes": report_notes(data),
            "generated": data.generated,
        },
    )


# -- PDF (reportlab + matplotlib) ------------------------------------------------------------
def cjk_font() -> Path:
    for path in FONT_PATHS:
        if path.exists():
            return path
    raise FileNotFoundError(
        "a CJK font is needed for PDF reports: install fonts-wqy-microhei (scripts/system_deps.sh)"
    )


# The South China Sea islands as standard maps of China inset them when the map's frame
# leaves them out (lon/lat box of the inset).
SCS_INSET = (105.0, 125.0, 2.0, 25.0)


def _draw_basemap(
    ax: Any, layers: dict[str, dict[str, Any]], language: str, family: str, small: bool = False
) -> None:
    """The basemap on a matplotlib axis, as the web maps draw it (geo.services.basemap)."""
    for name, collection in layers.items():
        style = basemap.STYLES[name]
        for feature in collection.get("features", []):
            geom = feature.get("geometry") or {}
            kind, coords = geom.get("type"), geom.get("coordinates", [])
            if kind == "Point":  # a place name, in the report's language
                props = feature.get("properties", {})
                island = props.get("kind") != "country"
                if small and props.get("kind") != "islands":
                    continue  # the inset names the island groups; its title, the region
                ax.text(
                    coords[0],
                    coords[1],
                    basemap.label_text(props, language),
                    fontsize=(4.5 if small else 5.5) if island else 6.5,
                    style="italic" if island else "normal",
                    color=basemap.LABEL_COLOURS["island" if island else "country"],
                    ha="center",
                    va="center",
                    family=family,
                    clip_on=True,
                    gid=f"label:{props.get('name', '')}",
                )
                continue
            polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
            for poly in polys:
                ring = poly[0]
                if "fillColor" in style:
                    ax.fill(
                        [p[0] for p in ring],
                        [p[1] for p in ring],
                        color=style["fillColor"],
                        ec=style["color"],
                        lw=0.4 if name != "lakes" else 0,
                    )
            lines = (
                [coords] if kind == "LineString" else coords if kind == "MultiLineString" else []
            )
            for line in lines:
                dashed = "dashArray" in style
                ax.plot(
                    [p[0] for p in line],
                    [p[1] for p in line],
                    color=style["color"],
                    lw=0.4 * style.get("weight", 1),
                    ls=(0, (5, 1.5, 1, 1.5)) if dashed else "-",
                    gid=name,
                )


def map_figure(data: ReportData, width_in: float = 7.0) -> Any:
    """The report's static map as a matplotlib figure (basemap, routes by mode, nodes by TEU
    and coverage; the South China Sea islands inset when the frame leaves them out)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = cjk_font()
    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    fig, ax = plt.subplots(figsize=(width_in, width_in * 0.75), dpi=120)
    ax.set_facecolor("#cfe3f0")
    language = translation.get_language() or "en"
    layers = _basemap()
    _draw_basemap(ax, layers, language, family)
    xs, ys = [], []
    for s in data.segments:
        x = [c[0] for c in s["coords"]]
        y = [c[1] for c in s["coords"]]
        xs += x
        ys += y
        ax.plot(
            x,
            y,
            color=MODE_COLOURS.get(s["mode"], "#555"),
            lw=1.6,
            ls="--" if s["schematic"] else "-",
        )
    for n in (n for n in data.nodes if n.mapped):
        xs.append(n.lon)
        ys.append(n.lat)
        ax.scatter(
            [n.lon],
            [n.lat],
            s=(_radius(n.teu) * 2.2) ** 2,
            c=coverage_hex(n.coverage),
            edgecolors="#343a40",
            linewidths=0.5,
            zorder=3,
        )
    if xs:
        pad = 1.5
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal")
    ax.set_title(
        f"{data.route_name} {data.start:%Y-%m-%d} – {data.end:%Y-%m-%d}",
        fontfamily=family,
        fontsize=10,
    )
    ax.tick_params(labelsize=7)
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    i_west, i_east, i_south, i_north = SCS_INSET
    frame_holds_islands = west <= i_west and east >= i_east and south <= i_south <= i_north <= north
    if "maritime_line" in layers and not frame_holds_islands:
        inset = ax.inset_axes((1.03, 0.0, 0.45, 0.45))  # beside the map, hiding nothing
        inset.set_facecolor("#cfe3f0")
        _draw_basemap(inset, layers, language, family, small=True)
        inset.set_xlim(i_west, i_east)
        inset.set_ylim(i_south, i_north)
        inset.set_aspect("equal")
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_gid("scs-inset")
        inset.set_title(_("South China Sea Islands"), fontsize=6, fontfamily=family, pad=2)
    return fig


def map_png(data: ReportData, width_in: float = 7.0) -> bytes:
    """The report's static map as PNG (map_figure)."""
    import matplotlib.pyplot as plt

    fig = map_figure(data, width_in)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def chart_png(data: ReportData) -> bytes | None:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    rows = [n for n in data.nodes if n.teu]
    if not rows:
        return None
    rows.sort(key=lambda n: n.teu or 0, reverse=True)
    rows = rows[:12]
    font = cjk_font()
    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    fig, ax = plt.subplots(figsize=(7, 3), dpi=120)
    labels = [n.name if len(n.name) <= 18 else n.name[:17] + "…" for n in rows]
    ax.bar(
        [i - 0.2 for i in range(len(rows))],
        [n.teu or 0 for n in rows],
        width=0.4,
        label=_("This period"),
        color="#1971c2",
    )
    ax.bar(
        [i + 0.2 for i in range(len(rows))],
        [n.teu_last_year or 0 for n in rows],
        width=0.4,
        label=_("Same period last year"),
        color="#adb5bd",
    )
    ax.set_xticks(range(len(rows)), labels, rotation=30, fontsize=7, fontfamily=family)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.legend(prop={"family": family, "size": 7})
    ax.set_title(_("Container throughput (TEU)"), fontfamily=family, fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def pdf_report(data: ReportData) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = "CW-CJK"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(cjk_font()), subfontIndex=0))
    # Chinese wraps between any two characters; English only between words (a CJK wrap
    # split "period" mid-word in an English header).
    wrap = "CJK" if is_chinese(data.language) else None
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap=wrap)
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=20, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    head = ParagraphStyle("head", parent=small, fontSize=6.5, leading=8)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        cells = [
            [Paragraph(linked(str(c)), head if i == 0 else small) for c in row]
            for i, row in enumerate(rows)
        ]
        t = Table(cells, colWidths=[w * cm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        Paragraph(html.escape(f"{data.title}: {data.route_name}"), h1),
        Paragraph(f"{data.start:%Y-%m-%d} – {data.end:%Y-%m-%d}", body),
        Spacer(1, 6),
        Image(io.BytesIO(map_png(data)), width=17 * cm, height=12.75 * cm, kind="proportional"),
        Paragraph(
            html.escape(_("Node colour: digital-service coverage (red none, blue all)"))
            + " · "
            + html.escape(_("Node size: container throughput (TEU)")),
            small,
        ),
    ]
    approval = tiles.approval_text()
    if approval:  # the map-approval number (审图号) under the map
        story.append(Paragraph(html.escape(approval), small))
    chart = chart_png(data)
    for index, t in enumerate(report_tables(data)):
        if t.heading:
            story.append(Paragraph(html.escape(t.heading), h2))
        elif index:
            story.append(Spacer(1, 4))
        if t.lead:
            story.append(Paragraph(html.escape(t.lead), body))
        story.append(table([t.header, *t.rows], list(t.widths)))
        if index == 0 and chart:  # the throughput chart under its table, clear of it
            picture = Image(io.BytesIO(chart), width=16 * cm, height=6.8 * cm, kind="proportional")
            story.append(KeepTogether([Spacer(1, 8), picture, Spacer(1, 6)]))
    story.append(Paragraph(html.escape(trains_line(data)), body))
    story.append(Paragraph(html.escape(_("Sources")), h2))
    for s in report_notes(data):
        story.append(Paragraph("• " + linked(s), small))
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            html.escape(_("Generated")) + f" {data.generated:%Y-%m-%d %H:%M} UTC · Corridor Watch",
            small,
        )
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=1.6 * cm,
        rightMargin=1.6 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=f"{data.title}: {data.route_name}",
        author="Corridor Watch",
    )
    doc.build(story, canvasmaker=numbered_canvas(font, _("Page %(n)s of %(of)s")))
    return buf.getvalue()


def linked(text: str) -> str:
    """Text for a PDF paragraph, escaped, its web addresses made links."""
    out, last = [], 0
    for match in URL_RE.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<link href="{url}" color="#1864ab">{url}</link>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


URL_RE = re.compile(r"https?://[^\s<>\"]+")


def numbered_canvas(font: str, label: str) -> Any:
    """A reportlab canvas class that writes "Page n of m" at the foot of every page (the
    pages are kept until the last is known)."""
    from reportlab.lib.units import cm
    from reportlab.pdfgen.canvas import Canvas

    class Numbered(Canvas):  # type: ignore[misc]  # reportlab has no types
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 7)
                self.setFillGray(0.4)
                text = label % {"n": self._pageNumber, "of": total}
                self.drawRightString(self._pagesize[0] - 1.6 * cm, 0.8 * cm, text)
                super().showPage()
            super().save()

    return Numbered
