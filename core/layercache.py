"""HTTP caching of the layers that change rarely (nodes, routes, segments, fences, coverage,
categories): an ETag and Last-Modified from the versions of the tables a layer reads, a 304
when the client has the current one, and the rendered answer kept per version.

Every write to a watched table, by any path (API, admin, seed loader, SQL), bumps that
table's row in `core_tableversion` through a statement trigger in the same transaction, so a
layer is never served stale after an edit, in any worker process: the version read at the
start of a request names the answer, and a new version is a new cache key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation

CACHE_S = 3600

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION cw_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_tableversion (table_name, version, changed_at)
    VALUES (TG_TABLE_NAME, 1, clock_timestamp())
    ON CONFLICT (table_name) DO UPDATE
        SET version = core_tableversion.version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END $$;
"""


def watch_sql(*tables: str) -> tuple[list[str], list[str]]:
    """Migration SQL (forward, backward) putting the version trigger on `tables`."""
    forward = [
        f"CREATE TRIGGER cw_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION cw_table_changed()"
        for t in tables
    ]
    backward = [f"DROP TRIGGER IF EXISTS cw_version ON {t}" for t in tables]
    return forward, backward


def tables_state(tables: Sequence[str]) -> tuple[str, datetime | None]:
    """The versions of `tables` as one text, and the latest change among them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(table_name || ':' || version, ',' ORDER BY table_name), "
            "max(changed_at) FROM core_tableversion WHERE table_name = ANY(%s)",
            [list(tables)],
        )
        versions, changed = cursor.fetchone()
    return versions or "", changed


def layer_etag(name: str, tables: Sequence[str], request: HttpRequest) -> tuple[str, datetime]:
    """The ETag of a layer's answer to `request`: its tables' versions, the query string,
    the language and the day (figures such as "the latest full year" move with the date);
    and the Last-Modified time."""
    versions, changed = tables_state(tables)
    today = timezone.now().date().isoformat()
    key = "|".join(
        [name, versions, request.get_full_path(), translation.get_language() or "", today]
    )
    etag = '"' + hashlib.sha1(key.encode()).hexdigest()[:24] + '"'
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return etag, max(changed, midnight) if changed else midnight


def not_modified(request: HttpRequest, etag: str) -> bool:
    given = request.headers.get("If-None-Match", "")
    return etag in {t.strip().removeprefix("W/") for t in given.split(",")} or given == "*"


def finish(response: HttpResponse, etag: str, changed: datetime) -> HttpResponse:
    """The validators and the caching rules of a layer answer: private (it needs a login),
    revalidated every time (a 304 costs one small query)."""
    response["ETag"] = etag
    response["Last-Modified"] = format_datetime(changed, usegmt=True)
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie, Authorization, Accept-Language"
    return response


def cached_layer(name: str, tables: Sequence[str], request: HttpRequest, render) -> HttpResponse:
    """The layer's answer: 304 when the client's copy is current, else the rendered body of
    this version (rendering it the first time; `render()` returns the body bytes and its
    content type)."""
    etag, changed = layer_etag(name, tables, request)
    if not_modified(request, etag):
        return finish(HttpResponseNotModified(), etag, changed)
    key = f"layer:{etag}"
    found = cache.get(key)
    if found is None:
        found = render()
        cache.set(key, found, CACHE_S)
    body, content_type = found
    return finish(HttpResponse(body, content_type=content_type), etag, changed)


class CachedLayerMixin:
    """For a DRF view: `list()` (or `get()`, see `cached_get`) answered through the layer
    cache when JSON is asked for; `layer_tables` names the tables the answer reads."""

    layer_tables: tuple[str, ...] = ()

    def _cached(self, request, answer) -> HttpResponse:
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is None or renderer.format != "json" or request.method != "GET":
            return answer()

        def render() -> tuple[bytes, str]:
            from rest_framework.renderers import JSONRenderer
            from rest_framework.response import Response

            response = answer()
            if isinstance(response, Response):
                return JSONRenderer().render(response.data), "application/json"
            return response.content, response["Content-Type"]

        return cached_layer(type(self).__name__, self.layer_tables, request, render)

    def layer_json(self, request) -> str | None:
        """The list as JSON text written by the database (core.geojson), or None: the
        serializer writes it."""
        return None

    def list(self, request, *args, **kwargs):
        parent = super().list  # type: ignore[misc]

        def answer() -> HttpResponse:
            renderer = getattr(request, "accepted_renderer", None)
            body = self.layer_json(request) if renderer and renderer.format == "json" else None
            if body is None:
                return parent(request, *args, **kwargs)
            return HttpResponse(body, content_type="application/json")

        return self._cached(request, answer)
