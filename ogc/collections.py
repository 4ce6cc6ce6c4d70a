"""The OGC API's collections: one per layer the export page offers (exports.services.layers,
described once there: title, fields, geometry, rows, count), with what the OGC API adds:
which fields make a feature's id, which field holds its time, and whether the map may show
it to anyone (`CW_PUBLIC_LAYERS`, as the REST API's map layers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from exports.services.layers import LAYERS, LayerSpec

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
# Output and bbox CRSs: URI -> (SRID, axis order lat/lon?)
CRSS: dict[str, tuple[int, bool]] = {
    CRS84: (4326, False),
    EPSG.format(4326): (4326, True),
    EPSG.format(4490): (4490, True),
    EPSG.format(3857): (3857, False),
}


@dataclass(frozen=True)
class Collection:
    id: str
    key: tuple[str, ...]  # the fields that make a feature's id ("" -> its place in the list)
    time: str | None = None  # the field a feature's time is in (datetime filters it)
    public: bool = False  # shown to anonymous callers when CW_PUBLIC_LAYERS is set
    # The tables its features read, for the layers the REST API caches by table version
    # (core.layercache): their items get the same ETag and 304.
    tables: Callable[[], tuple[str, ...]] | None = None

    @property
    def layer(self) -> LayerSpec:
        return LAYERS[self.id]

    @property
    def temporal(self) -> bool:
        return self.time is not None


def _node_tables() -> tuple[str, ...]:
    from geo.api.extensions import node_tables
    from geo.api.views import NODE_TABLES

    return (*NODE_TABLES, *node_tables())


def _route_tables() -> tuple[str, ...]:
    from corridors.api.views import ROUTE_TABLES

    return ROUTE_TABLES


def _coverage_tables() -> tuple[str, ...]:
    from corridors.api.views import COVERAGE_TABLES

    return COVERAGE_TABLES


def _fence_tables() -> tuple[str, ...]:
    from geo.api.views import GeofenceViewSet

    return GeofenceViewSet.layer_tables


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection("nodes", ("code",), public=True, tables=_node_tables),
        Collection("routes", ("code",), public=True, tables=_route_tables),
        Collection("segments", ("route", "seq"), public=True, tables=_route_tables),
        Collection("geofences", ("node", "kind", "version"), public=True, tables=_fence_tables),
        Collection("port_calls", ("call_id",), time="arrival_at"),
        Collection("latest_positions", ("mmsi",), time="ts"),
        Collection("positions", ("mmsi", "ts"), time="ts"),
        Collection("tracks", ("mmsi",), time="first_ts"),
        Collection("throughput", (), time="period_start"),
        Collection("coverage", ("node", "category"), tables=_coverage_tables),
        Collection("trains", ("train", "service_date"), time="service_date"),
        Collection("rail_kpis", ("route", "period")),
        Collection("boundaries", (), public=True),
        Collection("countries", ("name_en",), public=True),
    )
    if c.id in LAYERS
}
