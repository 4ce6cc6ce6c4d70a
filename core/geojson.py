"""GeoJSON written by PostGIS.

A map layer is one query whose answer is the JSON text itself (`json_build_object`,
`json_agg`, `ST_AsGeoJSON`): no feature becomes a Python object, so 5,000 vessels take
milliseconds, not the second DRF's serializers take feature by feature. Which rows a layer
holds is still decided by a Django queryset (filters, bbox, permissions, pagination): its SQL
is the `ids` subquery of the layer's statement, so rules stay in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

# Coordinates as PostGIS writes them: 9 decimals (0.1 mm at the equator, below any survey).
PRECISION = 9


def iso_utc(column: str, zone: str = "Z") -> str:
    """SQL text of a timestamptz as DRF writes it: ISO 8601 in UTC with "Z" (or `zone`, e.g.
    "+00:00" as Python's `isoformat` writes it), microseconds only when there are any."""
    return (
        f"(replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        f"'.000000', '') || '{zone}')"
    )


def quoted(expr: str) -> str:
    """JSON text of an SQL text that needs no escaping and is never null (a time stamp that
    `iso_utc` wrote): quoted, not escaped, which is a third cheaper per row."""
    return f"('\"' || {expr} || '\"')"


def string(expr: str) -> str:
    """JSON text of an SQL text expression (escaped by PostgreSQL; null stays null)."""
    return f"coalesce(to_json(({expr})::text)::text, 'null')"


def number(expr: str) -> str:
    """JSON text of an SQL number or boolean (float8 is written shortest-exact, booleans
    true/false; null stays null)."""
    return f"coalesce(({expr})::text, 'null')"


def tenths(expr: str) -> str:
    """SQL rounding a speed or course to 0.1 as Python's `round(x, 1)` does on the same
    value: exactly for float4 (the positions' columns) and for float8 at AIS resolution
    (tenths), in float8 arithmetic. `::numeric` rounds a 6- or 15-digit decimal text
    instead, and costs more per row than the rest of a track point together."""
    return f"(round(({expr})::float8 * 10) / 10)"


def value(expr: str) -> str:
    """JSON text of any SQL value PostgreSQL can write as JSON (an array of texts...)."""
    return f"coalesce(to_json({expr})::text, 'null')"


def member(obj: str, key: str, default: str = "null") -> str:
    """JSON text of a member of a `json` value, verbatim (a number keeps the text Python
    wrote), `default` when absent."""
    return f"coalesce(({obj} -> '{key}')::text, '{default}')"


def case_ranges(column: str, ranges: dict[str, list[tuple[int, int]]], default: str) -> str:
    """SQL mapping integer ranges to labels (e.g. AIS ship type codes to their groups), the
    first matching label winning as in Python's loop over the same dict."""
    whens = " ".join(
        f"WHEN {column} BETWEEN {int(lo)} AND {int(hi)} THEN '{label}'"
        for label, spans in ranges.items()
        for lo, hi in spans
    )
    return f"(CASE WHEN coalesce({column}, 0) = 0 THEN '{default}' {whens} ELSE '{default}' END)"


def json_object(pairs: Iterable[tuple[str, str]]) -> str:
    """SQL building the JSON text of an object from (key, JSON-text SQL expression) pairs,
    keys in the order given, written compactly (no spaces). Text concatenation, not
    `json_build_object`: the database neither parses nor re-validates what it writes, which
    makes a layer 2-3x faster, and the answer is smaller."""
    parts = []
    for i, (key, expr) in enumerate(pairs):
        opening = "'{" if i == 0 else "',"
        parts.append(f'{opening}"{key}":\' || {expr}')
    return "(" + " || ".join(parts) + " || '}')" if parts else "'{}'"


@dataclass(frozen=True)
class SqlLayer:
    """A layer written by PostGIS.

    `source` is the FROM clause (tables and joins, aliases free), `key` the column matched
    against the ids queryset, `geometry` the geometry column, `properties` (name, JSON-text
    SQL expression) pairs (see `string`, `number`); `feature_id` an optional JSON-text SQL
    expression for the Feature's `id`; `order` the features' order (default the key).
    """

    source: str
    key: str
    geometry: str
    properties: Sequence[tuple[str, str]]
    feature_id: str | None = None
    order: str = ""
    precision: int = PRECISION

    def feature_sql(self) -> str:
        parts = [("id", self.feature_id)] if self.feature_id else []  # first, as drf-gis
        parts.append(("type", "'\"Feature\"'"))
        geometry = f"coalesce(ST_AsGeoJSON({self.geometry}, {self.precision}), 'null')"
        parts.append(("geometry", geometry))
        parts.append(("properties", json_object(self.properties)))
        return json_object(parts)

    def features(self, ids: QuerySet[Any], params: Sequence[Any] = ()) -> str:
        """The JSON text of the features (an array) of the rows whose key is in the
        queryset's one column, in the layer's order. `params`: the values of the
        placeholders in `source`."""
        if not ids.query.is_sliced:  # a page keeps its order; otherwise order is the layer's
            ids = ids.order_by()  # (a DISTINCT filter would add its ORDER BY columns)
        try:
            ids_sql, ids_params = ids.query.sql_with_params()
        except EmptyResultSet:  # e.g. `.none()`: nothing to ask the database
            return "[]"
        sql = (
            f"SELECT coalesce('[' || string_agg({self.feature_sql()}, ',' "
            f"ORDER BY {self.order or self.key}) || ']', '[]') "
            f"FROM {self.source} WHERE {self.key} IN ({ids_sql})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *ids_params])
            return str(cursor.fetchone()[0])

    def collection(
        self,
        ids: QuerySet[Any],
        members: Mapping[str, object] | None = None,
        params: Sequence[Any] = (),
    ) -> str:
        """A FeatureCollection's JSON text, with extra top-level `members` (count, next...)
        before its features; `params` as for `features`."""
        import json

        head = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in (members or {}).items())
        features = self.features(ids, params)
        return '{"type":"FeatureCollection",' + head + '"features":' + features + "}"
