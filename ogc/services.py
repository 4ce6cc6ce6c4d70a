"""Features of a collection as OGC API - Features serves them: read through the layer's own
rows (exports.services.layers: the same filters, bounds and refusals as the exports and
the REST API), paged by offset and limit, filtered by property equality, in the CRS asked
(with its axis order: EPSG:4326 and EPSG:4490 are latitude first)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Max, Min

from core.api.permissions import READ_DATA
from exports.services.layers import ExportParams

from .collections import COLLECTIONS, Collection

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000


def readable(user: User | AnonymousUser) -> list[Collection]:
    """The collections `user` may read, as the REST API decides: every one with the
    corridor's read permission; the map's layers alone for anyone when the deployment opens
    them (CW_PUBLIC_LAYERS); none otherwise."""
    if user.is_authenticated and user.has_perm(READ_DATA):
        return list(COLLECTIONS.values())
    if settings.CW_PUBLIC_LAYERS:
        return [c for c in COLLECTIONS.values() if c.public]
    return []


def _text(value: Any) -> Any:
    """A property value as JSON holds it (date-times in UTC with Z)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def feature_id(collection: Collection, values: dict[str, Any], ordinal: int) -> str:
    """A feature's id: its key fields' values joined by "~", else its place in the list."""
    if not collection.key:
        return str(ordinal)
    return "~".join(str(_text(values.get(k))) for k in collection.key)


@dataclass
class Page:
    features: list[dict[str, Any]]
    more: bool  # a feature follows the page
    total: int | None = None  # every feature matched, when counted


def _swap(geom: Any) -> Any:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def rows(
    collection: Collection, params: ExportParams, srid: int, language: str
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(geometry or None, values) of every feature, in the layer's order."""
    for chunk in collection.layer.rows(params, srid, language):
        wkb = np.array(chunk.wkb, dtype=object)
        shapes = shapely.from_wkb(wkb) if collection.layer.geometry else [None] * len(chunk)
        names = list(chunk.values)
        columns = [chunk.values[n] for n in names]
        for i, shape in enumerate(shapes):
            yield shape, {n: col[i] for n, col in zip(names, columns, strict=True)}


def page(
    collection: Collection,
    params: ExportParams,
    srid: int,
    lat_first: bool,
    offset: int,
    limit: int,
    equal: dict[str, str],
    language: str,
    count: bool = False,
) -> Page:
    """The features `offset` to `offset + limit` (after the property filters `equal`);
    with `count`, the rows after the page are read too, to count every match."""
    out: list[dict[str, Any]] = []
    seen = 0
    more = False
    for ordinal, (shape, values) in enumerate(rows(collection, params, srid, language), 1):
        if equal and any(str(_text(values.get(k))) != v for k, v in equal.items()):
            continue
        seen += 1
        if seen <= offset:
            continue
        if len(out) == limit:
            more = True
            if not count:
                break
            continue
        out.append(to_feature(collection, shape, values, ordinal, lat_first))
    return Page(out, more, seen if count else None)


def to_feature(
    collection: Collection, shape: Any, values: dict[str, Any], ordinal: int, lat_first: bool
) -> dict[str, Any]:
    geometry = None
    if shape is not None:
        geometry = json.loads(shapely.to_geojson(_swap(shape) if lat_first else shape))
    return {
        "type": "Feature",
        "id": feature_id(collection, values, ordinal),
        "geometry": geometry,
        "properties": {k: _text(v) for k, v in values.items()},
    }


def find(
    collection: Collection, fid: str, srid: int, lat_first: bool, language: str
) -> dict[str, Any] | None:
    """The feature of id `fid`, None when there is none."""
    params = ExportParams()
    if collection.id in ("positions", "tracks", "latest_positions") and fid.split("~")[0].isdigit():
        params.mmsi = int(fid.split("~")[0])
    if collection.id == "positions" and "~" in fid:
        try:
            at = datetime.fromisoformat(fid.split("~", 1)[1].replace("Z", "+00:00"))
        except ValueError:
            return None
        params.start, params.end = at, at + timedelta(seconds=1)
    for ordinal, (shape, values) in enumerate(rows(collection, params, srid, language), 1):
        if feature_id(collection, values, ordinal) == fid:
            return to_feature(collection, shape, values, ordinal, lat_first)
    return None


def matched(collection: Collection, params: ExportParams) -> int:
    """Every feature of `collection` under `params` (no property filter), counted by the
    database: the positions'. (The other layers' counts estimate an export's size; their
    pages count while reading, `page(count=True)`, and tracks are not counted.)"""
    return collection.layer.count(params)


COUNTED_BY_DATABASE = ("positions",)
NOT_COUNTED = ("tracks",)


def _span(qs: Any, first: str, last: str | None = None) -> tuple[Any, Any]:
    found = qs.aggregate(lo=Min(first), hi=Max(last or first))
    return found["lo"], found["hi"]


def _positions_span() -> tuple[Any, Any]:
    """The first month holding positions (partition names: no scan of millions of rows)
    to the newest report (the latest-positions table)."""
    from ais.db import stored_months
    from ais.models import VesselLatest

    months = stored_months()
    first = datetime.combine(months[0], datetime.min.time(), UTC) if months else None
    return first, _span(VesselLatest.objects.all(), "ts")[1]


def time_extent(collection: Collection) -> list[str | None]:
    """A collection's temporal extent [first, last] (RFC 3339; None: open), from its data."""
    from ais.models import VesselLatest
    from portcalls.models import PortCall
    from ports.models import ThroughputReport
    from rail.models import Train

    spans = {
        "port_calls": lambda: _span(PortCall.objects.all(), "arrival_at"),
        "latest_positions": lambda: _span(VesselLatest.objects.all(), "ts"),
        "positions": _positions_span,
        "tracks": _positions_span,
        "throughput": lambda: _span(
            ThroughputReport.objects.effective(), "period_start", "period_end"
        ),
        "trains": lambda: _span(Train.objects.all(), "service_date"),
    }
    span = spans.get(collection.id)
    if span is None:
        return [None, None]
    first, last = span()
    return [_instant(first), _instant(last, end=True)]


def _instant(value: Any, end: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    # a date: its first moment (UTC), or its last as the end of the extent
    return f"{value.isoformat()}T{'23:59:59' if end else '00:00:00'}Z"
