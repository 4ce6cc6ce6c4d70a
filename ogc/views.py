"""OGC API - Features at /ogc/ (Part 1 Core with GeoJSON and HTML, OpenAPI 3.0; Part 2 CRS
by reference: CRS84, EPSG:4326, EPSG:4490, EPSG:3857; Part 3 queryables as query
parameters: property equality). Authentication as the REST API (session or token): the
landing page, conformance and API definition are open, a collection the caller may not
read is absent (404). A bad parameter is a 400 naming it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.html import escape
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from core.api.limits import refusals_as_answers
from core.dates import utc_datetime
from core.layercache import cached_layer
from core.limits import QUERY_TIMEOUT_S, statement_timeout
from core.replica import long_read
from exports.services.layers import LICENCE_NOTE, ExportParams
from geo.services.nodes import nodes_extent

from . import services, tiles
from .collections import COLLECTIONS, CRS84, CRSS, Collection
from .db import mvt

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
VECTOR_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
ITEM_PARAMS = {"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs"}
FIELD_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


def link(href: str, rel: str, kind: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": kind}
    if title:
        out["title"] = title
    return out


class BadParameter(Exception):
    def __init__(self, name: str, why: str):
        super().__init__(f"{name}: {why}")
        self.name, self.why = name, why


class EveryAccept(DefaultContentNegotiation):
    """The OGC views answer in their own media types (GeoJSON, JSON Schema, OpenAPI, MVT,
    HTML) whatever DRF's renderers are: an Accept header naming one of them (GDAL asks for
    `application/schema+json`, tile clients for `application/vnd.mapbox-vector-tile`) is no
    406; DRF's own answers (401, 404) are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OgcView(APIView):
    """What every OGC endpoint shares: JSON or HTML (`f`, else the Accept header), links
    made absolute, refusals as OGC exceptions ({code, description})."""

    permission_classes = [AllowAny]  # each view decides what the caller may see
    schema = None  # described by /ogc/api, not by the REST API's schema
    content_negotiation_class = EveryAccept

    def encoding(self, request: Request) -> str:
        f = request.query_params.get("f")
        if f is not None:
            if f not in ("json", "html"):
                raise BadParameter("f", "json or html")
            return f
        accept = request.headers.get("Accept", "")
        return "html" if HTML in accept and "json" not in accept else "json"

    def url(self, request: Request, path: str, **query: Any) -> str:
        base = request.build_absolute_uri("/ogc/" + path.lstrip("/"))
        pairs = {k.replace("_", "-"): v for k, v in query.items() if v is not None}
        return base + ("?" + urlencode(pairs) if pairs else "")

    def answer(
        self, request: Request, doc: dict[str, Any], kind: str = JSON, headers: dict | None = None
    ) -> HttpResponse:
        if self.encoding(request) == "html":
            response = HttpResponse(to_html(doc), content_type="text/html; charset=utf-8")
        else:
            response = HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=kind)
        for k, v in (headers or {}).items():
            response[k] = v
        return response

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, ValidationError):  # the layers' own refusals (a window too long)
            fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            exc = BadParameter(
                "datetime" if set(fields) & {"start", "end"} else ",".join(fields),
                "; ".join(" ".join(m) for m in fields.values()),
            )
        if isinstance(exc, BadParameter):
            body = {"code": "InvalidParameterValue", "description": str(exc)}
            return HttpResponse(json.dumps(body), status=400, content_type=JSON)
        return super().handle_exception(exc)

    def collection(self, request: Request, collection_id: str) -> Collection:
        for c in services.readable(request.user):
            if c.id == collection_id:
                return c
        raise Http404  # absent for this caller (or unknown)

    def self_links(
        self, request: Request, path: str, title: str, kind: str = JSON
    ) -> list[dict[str, str]]:
        return [
            link(self.url(request, path, f="json"), "self", kind, title),
            link(self.url(request, path, f="html"), "alternate", HTML),
        ]


class LandingView(OgcView):
    def get(self, request: Request) -> HttpResponse:
        doc = {
            "title": "Corridor Watch - OGC API - Features",
            "description": "The New Western Land-Sea Corridor's layers: nodes, routes, "
            "port calls, positions, throughput, coverage, trains. " + LICENCE_NOTE,
            "links": [
                *self.self_links(request, "", "this document"),
                {"href": self.url(request, "api"), "rel": "service-desc", "type": OPENAPI},
                {"href": self.url(request, "conformance"), "rel": "conformance", "type": JSON},
                {"href": self.url(request, "collections"), "rel": "data", "type": JSON},
            ],
        }
        return self.answer(request, doc)


class ConformanceView(OgcView):
    def get(self, request: Request) -> HttpResponse:
        return self.answer(request, {"conformsTo": CONFORMANCE})


def _extent(collection: Collection) -> dict[str, Any]:
    box = nodes_extent() or (-180.0, -90.0, 180.0, 90.0)
    extent: dict[str, Any] = {"spatial": {"bbox": [list(box)], "crs": CRS84}}
    if collection.temporal:
        extent["temporal"] = {
            "interval": [services.time_extent(collection)],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return extent


class CollectionsView(OgcView):
    def describe(self, request: Request, c: Collection) -> dict[str, Any]:
        layer = c.layer
        path = f"collections/{c.id}"
        return {
            "id": c.id,
            "title": str(layer.title),
            "description": f"{layer.title}. Source: {layer.source}. {LICENCE_NOTE}",
            "itemType": "feature",
            "extent": _extent(c),
            "crs": list(CRSS),
            "storageCrs": CRS84,
            "links": [
                *self.self_links(request, path, str(layer.title)),
                link(self.url(request, f"{path}/items", f="json"), "items", GEOJSON),
                link(self.url(request, f"{path}/items", f="html"), "items", HTML),
                {
                    "href": self.url(request, f"{path}/queryables"),
                    "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                    "type": "application/schema+json",
                },
                *(
                    {
                        "href": self.url(request, f"{path}/schema"),
                        "rel": rel,
                        "type": "application/schema+json",
                        "title": "the features' schema",
                    }
                    # the registered relation, and the spelling GDAL's OAPIF driver (3.6,
                    # Debian's) looks for: each finds the fields of an empty layer
                    for rel in ("describedby", "describedBy")
                ),
                {"href": LICENCE_URL, "rel": "license", "type": HTML, "title": LICENCE_NOTE},
                *(
                    [link(self.url(request, f"{path}/tiles"), VECTOR_TILESETS, JSON)]
                    if c.id in tiles.TILED
                    else []
                ),
            ],
        }

    def get(self, request: Request) -> HttpResponse:
        with translation.override(_language(request)):
            doc = {
                "links": self.self_links(request, "collections", "collections"),
                "collections": [self.describe(request, c) for c in services.readable(request.user)],
                "crs": list(CRSS),
            }
            return self.answer(request, doc)


LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


class CollectionView(CollectionsView):
    def get(self, request: Request, collection_id: str) -> HttpResponse:  # type: ignore[override]
        with translation.override(_language(request)):
            found = self.collection(request, collection_id)
            return self.answer(request, self.describe(request, found))


def _properties(c: Collection) -> dict[str, Any]:
    """The JSON Schema of each field of a collection's features (the export layer's fields)."""
    return {
        name: {"type": FIELD_TYPES.get(kind, "string"), "title": name}
        | ({"format": "date-time"} if kind == "datetime" else {})
        | ({"format": "date"} if kind == "date" else {})
        | ({"x-ogc-role": "primary-instant"} if name == c.time else {})
        for name, kind in c.layer.fields
    }


class QueryablesView(OgcView):
    def get(self, request: Request, collection_id: str) -> HttpResponse:
        c = self.collection(request, collection_id)
        doc = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.url(request, f"collections/{c.id}/queryables"),
            "type": "object",
            "title": str(c.layer.title),
            "properties": _properties(c),
            "additionalProperties": False,
        }
        return self.answer(request, doc, "application/schema+json")


class SchemaView(OgcView):
    """The JSON Schema of a collection's features (GeoJSON Feature, its properties typed):
    the `describedby` link, from which clients such as GDAL and QGIS learn a layer's fields
    even when it has no feature yet."""

    def get(self, request: Request, collection_id: str) -> HttpResponse:
        c = self.collection(request, collection_id)
        doc = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.url(request, f"collections/{c.id}/schema"),
            "title": str(c.layer.title),
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": {"type": ["object", "null"], "title": c.layer.geometry or "none"},
                "properties": {"type": "object", "properties": _properties(c)},
            },
        }
        return self.answer(request, doc, "application/schema+json")


def _language(request: Request) -> str:
    return translation.get_language_from_request(request._request) or "en"


def _crs(request: Request, name: str) -> tuple[str, int, bool]:
    uri = request.query_params.get(name) or CRS84
    if uri not in CRSS:
        raise BadParameter(name, f"one of {', '.join(CRSS)}")
    srid, lat_first = CRSS[uri]
    return uri, srid, lat_first


def _bbox(request: Request) -> tuple[float, float, float, float] | None:
    raw = request.query_params.get("bbox")
    if raw is None:
        return None
    try:
        parts = [float(v) for v in raw.split(",")]
    except ValueError as exc:
        raise BadParameter("bbox", "four (or six) numbers separated by commas") from exc
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4 or not all(map(lambda v: abs(v) < 1e8, parts)):
        raise BadParameter("bbox", "four (or six) numbers separated by commas")
    _uri, srid, lat_first = _crs(request, "bbox-crs")
    x1, y1, x2, y2 = [parts[1], parts[0], parts[3], parts[2]] if lat_first else parts
    if srid == 3857:
        from pyproj import Transformer

        to_lonlat = Transformer.from_crs(3857, 4326, always_xy=True)
        x1, y1 = to_lonlat.transform(x1, y1)
        x2, y2 = to_lonlat.transform(x2, y2)
    if not (-180 <= x1 <= x2 <= 180 and -90 <= y1 <= y2 <= 90):
        raise BadParameter("bbox", "lower corner first; within the CRS's range")
    return x1, y1, x2, y2


def _datetime(request: Request, params: ExportParams) -> None:
    raw = request.query_params.get("datetime")
    if raw is None:
        return
    parts = raw.split("/")
    if len(parts) > 2:
        raise BadParameter("datetime", "an instant or an interval start/end ('..' open)")
    try:
        moments = [None if p in ("", "..") else utc_datetime(p) for p in parts]
    except ValueError as exc:
        raise BadParameter("datetime", f"RFC 3339 date-times with a zone ({exc})") from exc
    if len(moments) == 1:
        if moments[0] is None:
            raise BadParameter("datetime", "an instant or an interval")
        params.start = params.end = moments[0]
    else:
        params.start, params.end = moments
        if params.start and params.end and params.start > params.end:
            raise BadParameter("datetime", "the interval's start is after its end")


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadParameter(name, f"a whole number from {low} to {high}")
    return int(raw)


def _validated(view: OgcView, request: Request, c: Collection, render) -> HttpResponse:
    """The answer of a collection's items or item: for the layers the REST API caches by
    table version, the same ETag, Last-Modified and 304 (the body kept per version, host and
    encoding); else rendered each time."""
    if c.tables is None:
        return render()

    def body() -> tuple[bytes, str]:
        response = render()
        return response.content, response["Content-Type"]

    name = f"ogc:{c.id}:{request.get_host()}:{view.encoding(request)}"
    answer = cached_layer(name, c.tables(), request, body)
    answer["Content-Crs"] = f"<{_crs(request, 'crs')[0]}>"
    return answer


class ItemsView(OgcView):
    """A collection's features, a page at a time (`limit`, `offset`; `next` and `prev`
    links), filtered by bbox, datetime and property equality."""

    @long_read
    def get(self, request: Request, collection_id: str) -> HttpResponse:
        c = self.collection(request, collection_id)
        return _validated(self, request, c, lambda: self.render(request, c))

    def render(self, request: Request, c: Collection) -> HttpResponse:
        fields = {name for name, _ in c.layer.fields}
        query = request.query_params
        unknown = sorted(set(query) - ITEM_PARAMS - fields)
        if unknown:
            raise BadParameter(unknown[0], "unknown parameter (see the queryables)")
        equal = {k: query[k] for k in query if k in fields and k not in ITEM_PARAMS}
        limit = _int(request, "limit", services.DEFAULT_LIMIT, 1, services.MAX_LIMIT)
        offset = _int(request, "offset", 0, 0, services.MAX_OFFSET)
        uri, srid, lat_first = _crs(request, "crs")
        params = ExportParams(bbox=_bbox(request))
        if c.temporal:
            _datetime(request, params)
        language = _language(request)
        with refusals_as_answers(), translation.override(language):
            by_database = c.id in services.COUNTED_BY_DATABASE and not equal
            scan = c.id not in services.COUNTED_BY_DATABASE + services.NOT_COUNTED
            found = services.page(
                c, params, srid, lat_first, offset, limit, equal, language, count=scan
            )
            total = services.matched(c, params) if by_database else found.total
        path = f"collections/{c.id}/items"
        keep = {k: v for k, v in query.items() if k not in ("offset", "f")}
        here = self.url(request, path)

        def at(start: int, f: str = "json") -> str:
            return here + "?" + urlencode({**keep, "offset": start, "f": f})

        links = [
            link(at(offset), "self", GEOJSON, "items"),
            link(at(offset, "html"), "alternate", HTML),
            link(self.url(request, f"collections/{c.id}"), "collection", JSON),
        ]
        if found.more:
            links.append(link(at(offset + limit), "next", GEOJSON))
        if offset > 0:
            links.append(link(at(max(offset - limit, 0)), "prev", GEOJSON))
        doc: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": found.features,
            "links": links,
            "numberReturned": len(found.features),
            "timeStamp": services._text(timezone.now()),
        }
        if total is not None:
            doc["numberMatched"] = total
        return self.answer(request, doc, GEOJSON, {"Content-Crs": f"<{uri}>"})


class ItemView(OgcView):
    @long_read
    def get(self, request: Request, collection_id: str, feature_id: str) -> HttpResponse:
        c = self.collection(request, collection_id)
        return _validated(self, request, c, lambda: self.render(request, c, feature_id))

    def render(self, request: Request, c: Collection, feature_id: str) -> HttpResponse:
        unknown = sorted(set(request.query_params) - {"f", "crs"})
        if unknown:
            raise BadParameter(unknown[0], "unknown parameter")
        uri, srid, lat_first = _crs(request, "crs")
        language = _language(request)
        with refusals_as_answers(), translation.override(language):
            feature = services.find(c, feature_id, srid, lat_first, language)
        if feature is None:
            raise Http404
        path = f"collections/{c.id}/items/{feature_id}"
        feature["links"] = [
            *self.self_links(request, path, feature_id, GEOJSON),
            link(self.url(request, f"collections/{c.id}"), "collection", JSON),
        ]
        return self.answer(request, feature, GEOJSON, {"Content-Crs": f"<{uri}>"})


class ApiView(OgcView):
    """The API definition (OpenAPI 3.0) of these endpoints."""

    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(json.dumps(api_definition(request)), content_type=OPENAPI)


LIMIT_SCHEMA = {
    "type": "integer",
    "minimum": 1,
    "maximum": services.MAX_LIMIT,
    "default": services.DEFAULT_LIMIT,
}
BBOX_SCHEMA = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}


def api_definition(request: Request) -> dict[str, Any]:
    def param(name: str, schema: dict[str, Any], where: str = "query", **more: Any) -> dict:
        return {"name": name, "in": where, "required": where == "path", "schema": schema, **more}

    collection_id = param("collectionId", {"type": "string", "enum": list(COLLECTIONS)}, "path")
    crs = param("crs", {"type": "string", "enum": list(CRSS)})
    feature_id = param("featureId", {"type": "string"}, "path")
    ok = {"200": {"description": "OK"}, "400": {"description": "a bad parameter"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Corridor Watch - OGC API - Features", "version": "1.0.0"},
        "servers": [{"url": request.build_absolute_uri("/ogc/")}],
        "paths": {
            "/": {"get": {"operationId": "landing", "responses": ok}},
            "/conformance": {"get": {"operationId": "conformance", "responses": ok}},
            "/collections": {"get": {"operationId": "collections", "responses": ok}},
            "/collections/{collectionId}": {
                "get": {"operationId": "collection", "parameters": [collection_id], "responses": ok}
            },
            "/collections/{collectionId}/schema": {
                "get": {"operationId": "schema", "parameters": [collection_id], "responses": ok}
            },
            "/collections/{collectionId}/queryables": {
                "get": {"operationId": "queryables", "parameters": [collection_id], "responses": ok}
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "operationId": "items",
                    "parameters": [
                        collection_id,
                        param("limit", LIMIT_SCHEMA),
                        param("offset", {"type": "integer", "minimum": 0}),
                        param("bbox", BBOX_SCHEMA, style="form", explode=False),
                        param("bbox-crs", {"type": "string", "enum": list(CRSS)}),
                        param("datetime", {"type": "string"}),
                        crs,
                    ],
                    "responses": ok,
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "operationId": "item",
                    "parameters": [collection_id, feature_id, crs],
                    "responses": {**ok, "404": {"description": "no such feature"}},
                }
            },
        },
    }


def to_html(doc: dict[str, Any]) -> str:
    """A plain page of any document: its title, its links, its features' properties."""
    title = escape(doc.get("title") or doc.get("id") or "OGC API - Features")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>",
             f"<body><h1>{title}</h1>"]  # fmt: skip
    if doc.get("description"):
        parts.append(f"<p>{escape(doc['description'])}</p>")
    links = [*doc.get("links", [])]
    for c in doc.get("collections", []):
        links.append({"href": c["links"][1]["href"], "rel": "collection", "title": c["title"]})
    parts.append("<ul>")
    for item in links:
        text = escape(item.get("title") or item["rel"])
        href, rel = escape(item["href"]), escape(item["rel"])
        parts.append(f"<li><a href='{href}'>{text}</a> ({rel})</li>")
    parts.append("</ul>")
    for conformance in doc.get("conformsTo", []):
        parts.append(f"<p>{escape(conformance)}</p>")
    features = doc.get("features") or ([doc] if doc.get("type") == "Feature" else [])
    if features:
        names = list(features[0]["properties"])
        head = "".join(f"<th>{escape(n)}</th>" for n in ["id", *names])
        body = "".join(
            "<tr>" + "".join(
                f"<td>{escape('' if v is None else str(v))}</td>"
                for v in [f["id"], *(f["properties"].get(n) for n in names)]
            ) + "</tr>"
            for f in features
        )  # fmt: skip
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


# -- OGC API - Tiles: vector tiles of the large layers (ogc.tiles) ---------------------------
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILE_WINDOW_DAYS = 7


def _tiled(view: OgcView, request: Request, collection_id: str) -> Collection:
    c = view.collection(request, collection_id)
    if c.id not in tiles.TILED:
        raise Http404
    return c


class TilesetsView(OgcView):
    def get(self, request: Request, collection_id: str) -> HttpResponse:
        c = _tiled(self, request, collection_id)
        path = f"collections/{c.id}/tiles"
        doc = {
            "links": self.self_links(request, path, "tilesets"),
            "tilesets": [
                {
                    "title": f"{c.layer.title} (Web Mercator)",
                    "tileMatrixSetURI": WEB_MERCATOR_QUAD,
                    "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                    "dataType": "vector",
                    "links": [
                        link(self.url(request, f"{path}/WebMercatorQuad"), "self", JSON),
                        link(WEB_MERCATOR_QUAD, TILING_SCHEME, JSON),
                    ],
                }
            ],
        }
        return self.answer(request, doc)


class TilesetView(OgcView):
    """The tileset's description, as TileJSON 3.0 (MapLibre, Leaflet.VectorGrid and QGIS
    read it) with OGC API - Tiles' links."""

    def get(self, request: Request, collection_id: str) -> HttpResponse:
        c = _tiled(self, request, collection_id)
        path = f"collections/{c.id}/tiles/WebMercatorQuad"
        keep = {k: v for k, v in request.query_params.items() if k == "datetime"}
        template = (
            self.url(request, path) + "/{z}/{y}/{x}" + ("?" + urlencode(keep) if keep else "")
        )
        fields = {name: FIELD_TYPES.get(kind, "string") for name, kind in c.layer.fields}
        doc = {
            "tilejson": "3.0.0",
            "name": c.id,
            "description": str(c.layer.title),
            "tiles": [template],
            "minzoom": 0,
            "maxzoom": tiles.MAX_ZOOM,
            "bounds": list(nodes_extent() or (-180.0, -85.0, 180.0, 85.0)),
            "vector_layers": [{"id": c.id, "fields": fields}],
            "attribution": LICENCE_NOTE,
            "tileMatrixSetURI": WEB_MERCATOR_QUAD,
            "links": [
                *self.self_links(request, path, "tileset"),
                link(template, "item", MVT),
            ],
        }
        return self.answer(request, doc)


class TileView(OgcView):
    """One tile: `?datetime=` (a day by default, at most a week) for positions and tracks.
    Nodes' and segments' tiles are cached per table version (an ETag, a 304); the traffic
    tiles for a minute."""

    def get(self, request: Request, collection_id: str, z: int, y: int, x: int) -> HttpResponse:
        c = _tiled(self, request, collection_id)
        unknown = sorted(set(request.query_params) - {"datetime", "f"})
        if unknown:
            raise BadParameter(unknown[0], "unknown parameter")
        if not (0 <= z <= tiles.MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
            raise Http404  # no such tile in WebMercatorQuad
        tile = tiles.Tile(z, x, y)
        if c.id in tiles.TABLES:
            return cached_layer(
                f"tile:{c.id}",
                tiles.TABLES[c.id],
                request,
                lambda: (mvt(tiles.rows(c.id, tile), c.id), MVT),
            )
        params = ExportParams()
        _datetime(request, params)
        end = params.end or timezone.now()
        start = params.start or end - timedelta(days=1)
        if end - start > timedelta(days=TILE_WINDOW_DAYS) or start == end:
            raise BadParameter("datetime", f"an interval of at most {TILE_WINDOW_DAYS} days")
        key = f"tile:{request.get_full_path()}"
        body = cache.get(key)
        if body is None:
            with refusals_as_answers(), statement_timeout(QUERY_TIMEOUT_S):
                body = mvt(tiles.rows(c.id, tile, start, end), c.id)
            cache.set(key, body, 60)
        response = HttpResponse(body, content_type=MVT)
        response["Cache-Control"] = "private, max-age=60"
        return response
