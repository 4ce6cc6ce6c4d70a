"""SQL as ORM expressions, in the style of django.contrib.gis's functions: spatial values,
and the JSON text of values as the REST API writes them (strings, numbers, ISO times,
GeoJSON geometries, objects and features), so that a layer PostGIS writes in one query
(core.geojson) is declared with field paths, joined by the ORM, and names no table.

Each JSON-text expression is never null: a null value is the text `null`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.contrib.gis.db.models import GeometryField, LineStringField
from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Expression,
    F,
    FloatField,
    Func,
    TextField,
    Value,
)

# Coordinates as PostGIS writes them: 9 decimals (0.1 mm at the equator, below any survey).
PRECISION = 9


def _expression(value: Any) -> Any:
    """A field path as F(), anything else (an expression) as it is."""
    return F(value) if isinstance(value, str) else value


class FieldFunc(Func):
    """A function of one value: a field path (as F()) or an expression."""

    def __init__(self, expression: Any, **extra: Any):
        super().__init__(_expression(expression), **extra)


class StX(Func):
    """Longitude (x) of a Point, degrees."""

    function = "ST_X"
    output_field = FloatField()


class StY(Func):
    """Latitude (y) of a Point, degrees."""

    function = "ST_Y"
    output_field = FloatField()


class JsonText(FieldFunc):
    """JSON text of a value written as a JSON string (escaped by PostgreSQL)."""

    template = "coalesce(to_json((%(expressions)s)::text)::text, 'null')"
    output_field = TextField()


class JsonNumber(FieldFunc):
    """JSON text of a number or a boolean (float8 shortest-exact, booleans true/false)."""

    template = "coalesce((%(expressions)s)::text, 'null')"
    output_field = TextField()


class JsonValue(FieldFunc):
    """JSON text of any value PostgreSQL writes as JSON (an array of texts...)."""

    template = "coalesce(to_json(%(expressions)s)::text, 'null')"
    output_field = TextField()


class JsonTime(Func):
    """JSON text of a timestamptz as DRF writes it: ISO 8601 in UTC with "Z" (or `zone`,
    e.g. "+00:00" as Python's `isoformat` writes it), microseconds only when there are any.
    Quoted, not escaped (a time stamp needs no escaping), which is a third cheaper per row."""

    template = (
        "coalesce('\"' || replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '%(zone)s\"', 'null')"
    )
    output_field = TextField()

    def __init__(self, expression: Any, zone: str = "Z", **extra: Any):
        if zone not in ("Z", "+00:00"):
            raise ValueError("zone: Z or +00:00")
        super().__init__(_expression(expression), zone=zone, **extra)


class Tenths(FieldFunc):
    """A speed or course rounded to 0.1 as Python's `round(x, 1)` does on the same value:
    exactly for float4 (the positions' columns) and for float8 at AIS resolution, in float8
    arithmetic (`::numeric` would round a decimal text instead, and cost more per row)."""

    template = "(round((%(expressions)s)::float8 * 10) / 10)"
    output_field = FloatField()


class EpochSeconds(FieldFunc):
    """Whole seconds since 1970 of a timestamptz (a compact time for the map)."""

    template = "floor(extract(epoch FROM %(expressions)s))::bigint"
    output_field = BigIntegerField()


class RoundFloat(FieldFunc):
    """A number rounded to a whole as Python's `round(x)` does (half to even): PostgreSQL's
    round of a float8 (rint), not of a numeric (half away from zero)."""

    template = "round((%(expressions)s)::float8)"
    output_field = FloatField()


class GeoJsonText(Func):
    """JSON text of a geometry as GeoJSON (`precision` decimals), `null` without one."""

    template = "coalesce(ST_AsGeoJSON(%(expressions)s, %(precision)s), 'null')"
    output_field = TextField()

    def __init__(self, expression: Any, precision: int = PRECISION, **extra: Any):
        super().__init__(_expression(expression), precision=int(precision), **extra)


class JsonLiteral(Func):
    """A fixed JSON text (a key's constant value, e.g. "Feature"), written into the SQL."""

    output_field = TextField()

    def __init__(self, value: Any):
        super().__init__()
        self.text = json.dumps(value, separators=(",", ":"))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        return "'" + self.text.replace("'", "''").replace("%", "%%") + "'", ()


class JsonObject(Func):
    """JSON text of an object from (key, JSON-text expression) pairs (a plain string is a
    field path written as a JSON string), keys in the order given, written compactly. Text
    concatenation, not `json_build_object`: the database neither parses nor re-validates
    what it writes, which makes a layer 2-3x faster, and the answer is smaller."""

    output_field = TextField()

    def __init__(self, pairs: Sequence[tuple[str, Any]]):
        self.keys = [key for key, _ in pairs]
        for key in self.keys:
            if json.dumps(key) != f'"{key}"' or "'" in key or "%" in key:
                raise ValueError(f"a plain key: {key!r}")
        super().__init__(*[JsonText(v) if isinstance(v, str) else v for _, v in pairs])

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        if not self.keys:
            return "'{}'", ()
        parts: list[str] = []
        params: list[Any] = []
        for i, (key, expression) in enumerate(
            zip(self.keys, self.get_source_expressions(), strict=True)
        ):
            sql, args = compiler.compile(expression)
            parts.append(f"""{"'{" if i == 0 else "',"}"{key}":' || {sql}""")
            params.extend(args)
        return "(" + " || ".join(parts) + " || '}')", tuple(params)


class Feature(JsonObject):
    """JSON text of a GeoJSON Feature: its `id` first when given (as drf-gis writes it),
    its geometry, its properties (a JsonObject)."""

    def __init__(
        self,
        geometry: Any,
        properties: Sequence[tuple[str, Any]],
        feature_id: Expression | None = None,
        precision: int = PRECISION,
    ):
        pairs: list[tuple[str, Any]] = [("id", feature_id)] if feature_id is not None else []
        pairs += [
            ("type", JsonLiteral("Feature")),
            ("geometry", GeoJsonText(geometry, precision)),
            ("properties", JsonObject(properties)),
        ]
        super().__init__(pairs)


class JsonMember(Func):
    """JSON text of `key` in the entry of a JSON document (Python's, sent once as a
    parameter) that a row's `entry` expression names, verbatim (a number keeps the text
    Python wrote); `default` (JSON text) when absent. For figures computed in Python for
    every row at once and joined into a layer."""

    output_field = TextField()

    def __init__(self, document: str, entry: Any, key: str, default: str = "null"):
        if "'" in key + default or "%" in key + default:
            raise ValueError("a plain key and default")
        self.key, self.default = key, default
        super().__init__(Value(document), _expression(entry))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        document, entry = self.get_source_expressions()
        doc_sql, doc_params = compiler.compile(document)
        entry_sql, entry_params = compiler.compile(entry)
        member = f"({doc_sql}::jsonb -> ({entry_sql}) -> '{self.key}')::text"
        return f"coalesce({member}, '{self.default}')", (*doc_params, *entry_params)


class JsonArrayAgg(OrderableAggMixin, Aggregate):
    """JSON text of an array of JSON texts (`[]` for none), in `order_by`'s order."""

    function = "string_agg"
    template = "coalesce('[' || %(function)s(%(expressions)s, ',' %(order_by)s) || ']', '[]')"
    output_field = TextField()

    def __init__(self, expression: Any, **extra: Any):
        super().__init__(_expression(expression), **extra)


class MakeLine(OrderableAggMixin, Aggregate):
    """A LineString through the points of a group, in `order_by`'s order (GeoDjango's
    MakeLine takes no order)."""

    function = "ST_MakeLine"
    template = "%(function)s(%(expressions)s %(order_by)s)"
    output_field = LineStringField(srid=4326)


class TileEnvelope(Func):
    """The square of tile z/x/y of the Web Mercator quad tree, in EPSG:3857."""

    function = "ST_TileEnvelope"
    output_field = GeometryField(srid=3857)

    def __init__(self, z: int, x: int, y: int):
        super().__init__(Value(z), Value(x), Value(y))


def _mercator(geometry: Any) -> Func:
    return Func(_expression(geometry), Value(3857), function="ST_Transform")


class AsMVTGeom(Func):
    """A geometry (any SRID) in the integer coordinates of tile z/x/y (4096 a side),
    clipped to the tile and a `buffer` around it."""

    function = "ST_AsMVTGeom"
    output_field = GeometryField(srid=0)

    def __init__(self, geometry: Any, z: int, x: int, y: int, buffer: int = 64):
        super().__init__(
            _mercator(geometry), TileEnvelope(z, x, y), Value(4096), Value(buffer), Value(True)
        )


class SnapToGrid(Func):
    """A geometry's Web Mercator coordinates snapped to a grid of `size` metres."""

    function = "ST_SnapToGrid"
    output_field = GeometryField(srid=3857)

    def __init__(self, geometry: Any, size: float):
        super().__init__(_mercator(geometry), Value(size))


class Cell(Func):
    """The square of `size` metres centred on a snapped point (a density cell)."""

    function = "ST_Expand"
    output_field = GeometryField(srid=3857)

    def __init__(self, point: Any, size: float):
        super().__init__(_expression(point), Value(size / 2))


__all__ = [
    "PRECISION",
    "AsMVTGeom",
    "Cell",
    "EpochSeconds",
    "Feature",
    "GeoJsonText",
    "JsonArrayAgg",
    "JsonLiteral",
    "JsonMember",
    "JsonNumber",
    "JsonObject",
    "JsonText",
    "JsonTime",
    "JsonValue",
    "MakeLine",
    "RoundFloat",
    "SnapToGrid",
    "StX",
    "StY",
    "Tenths",
    "TileEnvelope",
    "Value",
]
