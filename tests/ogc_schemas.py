"""The JSON documents of OGC API - Features Part 1 (OGC 17-069r4) and Part 2 (18-058r1), as
JSON Schema: the required fields and their types, transcribed from the standard's OpenAPI
building blocks (schemas.opengis.net/ogcapi/features/part1/1.0/openapi/schemas/: link,
landingPage, confClasses, collections, collection, extent, featureCollectionGeoJSON,
featureGeoJSON, numberMatched, numberReturned, timeStamp, exception). No Python package
ships them, and the tests run offline, so they are written here; `check()` validates a
document with jsonschema and names every field that breaks them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

# The two formats the standard uses, checked here (jsonschema checks them only with extra
# packages installed, and silently passes them otherwise).
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value.upper() and moment.tzinfo is not None  # RFC 3339: a zone is required


@FORMATS.checks("uri", raises=ValueError)
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc)


LINK = {
    "type": "object",
    "required": ["href", "rel"],  # Part 1 requires href; rel and type where the spec uses them
    "properties": {
        "href": {"type": "string", "format": "uri"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "hreflang": {"type": "string"},
        "title": {"type": "string"},
        "length": {"type": "integer"},
    },
}
LINKS = {"type": "array", "items": {"$ref": "#/$defs/link"}}
GEOMETRY_TYPES = [
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection",
]  # fmt: skip
DEFS = {
    "link": LINK,
    "extent": {
        "type": "object",
        "properties": {
            "spatial": {
                "type": "object",
                "properties": {
                    "bbox": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "array",
                            "oneOf": [
                                {"minItems": 4, "maxItems": 4},
                                {"minItems": 6, "maxItems": 6},
                            ],
                            "items": {"type": "number"},
                        },
                    },
                    "crs": {"type": "string", "format": "uri"},
                },
            },
            "temporal": {
                "type": "object",
                "properties": {
                    "interval": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "array",
                            "minItems": 2,
                            "maxItems": 2,
                            "items": {"type": ["string", "null"], "format": "date-time"},
                        },
                    },
                    "trs": {"type": "string", "format": "uri"},
                },
            },
        },
    },
    "collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": LINKS,
            "extent": {"$ref": "#/$defs/extent"},
            "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "storageCrs": {"type": "string", "format": "uri"},  # Part 2
        },
    },
    "geometry": {
        "oneOf": [
            {"type": "null"},
            {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": GEOMETRY_TYPES}},
                "anyOf": [{"required": ["coordinates"]}, {"required": ["geometries"]}],
            },
        ]
    },
    "feature": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"},
            "geometry": {"$ref": "#/$defs/geometry"},
            "properties": {"type": ["object", "null"]},
            "id": {"type": ["string", "integer"]},
            "links": LINKS,
        },
    },
}


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    return {"$defs": DEFS, **body}


SCHEMAS: dict[str, dict[str, Any]] = {
    "landingPage": _schema(
        {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": LINKS,
            },
        }
    ),
    "confClasses": _schema(
        {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {
                "conformsTo": {"type": "array", "items": {"type": "string", "format": "uri"}}
            },
        }
    ),
    "collections": _schema(
        {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": LINKS,
                "collections": {"type": "array", "items": {"$ref": "#/$defs/collection"}},
                "crs": {"type": "array", "items": {"type": "string"}},  # Part 2
            },
        }
    ),
    "collection": _schema({"$ref": "#/$defs/collection"}),
    "featureCollectionGeoJSON": _schema(
        {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"const": "FeatureCollection"},
                "features": {"type": "array", "items": {"$ref": "#/$defs/feature"}},
                "links": LINKS,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        }
    ),
    "featureGeoJSON": _schema({"$ref": "#/$defs/feature"}),
    "exception": _schema(
        {
            "type": "object",
            "required": ["code"],
            "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
        }
    ),
}


def check(doc: Any, kind: str) -> list[str]:
    """What in `doc` breaks the standard's `kind` schema: one line per error, naming the
    field by its JSON path (empty: it conforms)."""
    validator = Draft202012Validator(SCHEMAS[kind], format_checker=FORMATS)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
