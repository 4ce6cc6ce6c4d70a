"""The one module through which Dash pages read data.

It calls the same services and querysets as the REST API, so business rules live once;
pages never touch models or SQL. Everything returned is plain JSON-ready data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from corridors.models import Route
from geo.choices import CoordQuality, NodeKind, ServiceLevel
from geo.models import DigitalServiceCategory, Node
from geo.services import compute_coverage
from ports import portcall_services
from ports import services as ports_services
from ports.choices import Metric, ShipTypeGroup, ship_type_group
from ports.models import PortCall, ThroughputReport, Vessel
from ports.services import latest_yearly_values

TYPE_COLOURS = {
    "cargo": "#2b8a3e",
    "tanker": "#c92a2a",
    "passenger": "#1864ab",
    "fishing": "#e67700",
    "tug": "#5f3dc4",
    "high_speed": "#0b7285",
    "pleasure": "#d6336c",
    "other": "#495057",
    "unknown": "#adb5bd",
}
MODE_COLOURS = {"rail": "#c0392b", "sea": "#1f78b4", "river": "#17a2b8", "road": "#8e44ad"}
METRIC_ORDER = [Metric.TEU, Metric.TONNES, Metric.RAIL_TEU, Metric.TRAINS, Metric.SAILINGS]
# Drawn last (on top) where nodes share a place: ports over terminals over cities.
KIND_Z = {
    "sea_port": 600,
    "river_port": 500,
    "border_crossing_rail": 450,
    "border_crossing_road": 450,
    "sea_terminal": 400,
    "rail_terminal": 300,
    "dry_port": 250,
    "rail_junction": 200,
    "logistics_hub": 100,
}


def localized(obj: Any, lang: str) -> str:
    return obj.name_zh if lang.startswith("zh") else obj.name_en


def basemap_urls() -> dict[str, str]:
    return {
        name: reverse("basemap-layer", args=[name])
        for name in ("land", "lakes", "rivers", "country_borders")
    }


def segments_url(route: str | None = None) -> str:
    url = reverse("route-segment-list")
    return f"{url}?route={route}" if route else url


def tile_layer() -> tuple[str, str] | None:
    """The optional tile URL and attribution (None: the bundled vector basemap only)."""
    return (settings.CW_TILE_URL, settings.CW_TILE_ATTRIBUTION) if settings.CW_TILE_URL else None


def route_options(lang: str) -> list[dict[str, str]]:
    return [
        {"label": f"{r.code} · {localized(r, lang)}", "value": r.code} for r in Route.objects.all()
    ]


def node_options(lang: str) -> list[dict[str, str]]:
    return [
        {"label": f"{localized(n, lang)} ({n.code})", "value": n.code}
        for n in Node.objects.mapped().order_by("name_en")
    ]


def node_position(code: str) -> tuple[float, float] | None:
    """A node's (lon, lat), or None when there is no such node."""
    node = Node.objects.filter(code=code).only("geom").first()
    return (node.geom.x, node.geom.y) if node else None


def map_nodes(lang: str, route: str | None = None) -> dict[str, Any]:
    """Nodes as a GeoJSON FeatureCollection for the map, with coverage score, latest
    full-year TEU and a stack position for nodes that share a coordinate."""
    nodes = Node.objects.mapped()
    if route:
        nodes = nodes.on_route(route)
    nodes = list(nodes)
    coverage = compute_coverage(nodes)
    congested = congested_ports()
    teu = latest_yearly_values("teu")
    stacks: dict[tuple[float, float], list[Node]] = defaultdict(list)
    for node in nodes:
        stacks[(round(node.geom.x, 4), round(node.geom.y, 4))].append(node)
    features = []
    for group in stacks.values():
        group.sort(key=lambda n: (-KIND_Z.get(n.kind, 0), n.code))
        for index, node in enumerate(group):
            cov = coverage[node.code]
            latest = teu.get(node.code)
            features.append(
                {
                    "type": "Feature",
                    "id": node.code,
                    "geometry": {"type": "Point", "coordinates": [node.geom.x, node.geom.y]},
                    "properties": {
                        "code": node.code,
                        "label": f"{localized(node, lang)} ({node.code})",
                        "kind": node.kind,
                        "coverage_score": cov.score,
                        "coverage_assessed": cov.assessed,
                        "latest_teu": float(latest[0]) if latest else None,
                        "stack_index": index,
                        "stack_size": len(group),
                        "z": KIND_Z.get(node.kind, 0),
                        "congested": node.code in congested,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def node_detail(code: str, lang: str) -> dict[str, Any] | None:
    """What the node panel shows: names, kind, coordinate quality, services, figures."""
    node = Node.objects.select_related("group").filter(code=code).first()
    if node is None:
        return None
    cov = compute_coverage([node])[code]
    categories = {c.code: c for c in DigitalServiceCategory.objects.all()}
    services = [
        {
            "category": localized(categories[s.category], lang),
            "level": s.level,
            "level_label": str(ServiceLevel(s.level).label),
            "since_year": s.since_year,
            "evidence_url": s.evidence_url,
        }
        for s in sorted(cov.services.values(), key=lambda s: categories[s.category].order)
    ]
    missing = [localized(categories[c], lang) for c in cov.applicable if c not in cov.services]
    holders = [node.pk] + ([node.group_id] if node.group_id else [])
    figures = []
    reports = (
        ThroughputReport.objects.effective().filter(node_id__in=holders).select_related("node")
    )
    for t in sorted(
        reports,
        key=lambda t: (METRIC_ORDER.index(t.metric), -t.period_end.toordinal(), t.reporting_entity),
    ):
        figures.append(
            {
                "node": t.node.code,
                "metric": str(Metric(t.metric).label),
                "period": (
                    str(t.period_end.year)
                    if t.period_kind == "year"
                    else f"{t.period_start:%Y-%m}..{t.period_end:%Y-%m}"
                ),
                "value": f"{t.qualifier + ' ' if t.qualifier else ''}{t.value:,.0f}",
                "entity": t.reporting_entity,
                "url": t.source_url,
            }
        )
    return {
        "code": node.code,
        "name": localized(node, lang),
        "name_en": node.name_en,
        "name_zh": node.name_zh,
        "kinds": [str(NodeKind(k).label) for k in node.kinds],
        "unlocode": node.unlocode,
        "coord_quality": str(CoordQuality(node.coord_quality).label),
        "coord_basis": node.coord_basis,
        "lon": node.geom.x,
        "lat": node.geom.y,
        "coverage_score": cov.score,
        "coverage_assessed": cov.assessed,
        "services": services,
        "missing": missing,
        "figures": figures,
        "group": localized(node.group, lang) if node.group else None,
        "routes": sorted(set(node.route_memberships.values_list("route__code", flat=True))),
        "port_page": node.detection_rules.exists(),
    }


def live_vessels(max_age_min: float = 60.0) -> dict[str, Any]:
    """The live vessels layer (all vessels seen within `max_age_min`)."""
    return ports_services.live_vessels(max_age_min)


def vessel_detail(mmsi: int, lang: str) -> dict[str, Any] | None:
    vessel = Vessel.objects.select_related("latest").filter(mmsi=mmsi).first()
    if vessel is None:
        return None
    latest = getattr(vessel, "latest", None)
    group = ship_type_group(vessel.ship_type)
    return {
        "mmsi": vessel.mmsi,
        "name": vessel.name or str(vessel.mmsi),
        "imo": vessel.imo,
        "callsign": vessel.callsign,
        "type": str(ShipTypeGroup(group).label),
        "type_code": vessel.ship_type,
        "length_m": vessel.length_m,
        "beam_m": vessel.beam_m,
        "draught_m": vessel.draught_m,
        "destination": vessel.destination,
        "ts": latest.ts if latest else None,
        "sog_kn": latest.sog_kn if latest else None,
        "cog_deg": latest.cog_deg if latest else None,
        "heading_deg": latest.heading_deg if latest else None,
        "nav_status": latest.nav_status if latest else None,
        "source": latest.source if latest else "",
    }


def vessel_track_line(mmsi: int, hours: float = 6.0) -> dict[str, Any]:
    """The last `hours` of a vessel's track (the LineString feature only)."""
    end = timezone.now()
    track = ports_services.vessel_track(mmsi, end - timedelta(hours=hours), end)
    line = [f for f in track["features"] if f["geometry"]["type"] == "LineString"]
    return {"type": "FeatureCollection", "features": line}


# --- ports: calls, metrics, congestion ----------------------------------------------------


def port_page(code: str, days: int = 14) -> dict[str, Any] | None:
    """What the port page shows: the current rule, recent calls, daily metrics against the
    28-day baseline, vessels at anchor now. None when the node is not a watched port."""
    node = Node.objects.filter(code=code, detection_rules__isnull=False).first()
    if node is None:
        return None
    rule = portcall_services.current_rule(node)
    today = timezone.now().date()
    metrics = portcall_services.port_metrics(node, today - timedelta(days=days - 1), today)
    since = timezone.now() - timedelta(days=days)
    calls = [
        {
            "vessel": f"{c.vessel.name or c.vessel_id}",
            "arrival": c.arrival_at,
            "departure": c.departure_at,
            "berth_start": c.berth_start_at,
            "berth_end": c.berth_end_at or (None if c.departure_at else timezone.now()),
            "anchorage_start": c.anchorage_start_at,
            "anchorage_end": c.anchorage_end_at or c.berth_start_at,
        }
        for c in PortCall.objects.filter(node=node)
        .exclude(departure_at__lt=since)
        .select_related("vessel")
        .order_by("arrival_at")[:200]
    ]
    return {
        "code": node.code,
        "node": node,
        "rule": rule,
        "metrics": metrics,
        "calls": calls,
        "fences_url": reverse("geofence-list") + f"?node={node.code}",
        "center": (node.geom.y, node.geom.x),
    }


def congested_ports() -> set[str]:
    """Ports whose anchorage queue today is above their 28-day baseline's 90th percentile."""
    today = timezone.now().date()
    out = set()
    for node in Node.objects.filter(detection_rules__valid_to__isnull=True):
        days = portcall_services.port_metrics(node, today, today)["days"]
        if days and days[-1]["congested"]:
            out.add(node.code)
    return out


def port_sensitivity(code: str, days: int = 14) -> list[dict]:
    node = Node.objects.get(code=code)
    end = timezone.now()
    variants = [{"speed_kn": s} for s in (0.2, 0.5, 2.0, 5.0)] + [
        {"min_stay_s": s} for s in (0, 3600, 3 * 3600)
    ]
    return portcall_services.sensitivity(node, end - timedelta(days=days), end, variants)
