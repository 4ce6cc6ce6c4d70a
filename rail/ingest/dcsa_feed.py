"""Polling a carrier's DCSA Track & Trace API (pure: no Django): `GET /v2/events` (2.2) or
`GET /events` (3.0), page after page, from a watermark.

2.2 pages by the `Next-Page` header (a link, or a cursor for `?cursor=`), 3.0 by
`Next-Page-Cursor`; both ask for at most `limit` events a page. A poll starts from the
watermark (the latest version time already read: 2.2's `eventCreatedDateTime:gte`, 3.0's
`eventUpdatedDateTimeMin`), so events at the watermark are read again and changed nothing
(the store keeps each version once). A 429 (`RateLimited`, with its Retry-After) or a failure
(5xx, refused or dropped connection, timeout, a body that is not events) ends the poll; the
pages read before it are kept and the caller waits (core.ingest.http.Backoff) before the
next. Nothing a carrier answers stops the feed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse, urlunparse

import requests

from .dcsa import MAX_BODY, events_of
from .events import EventError

log = logging.getLogger(__name__)
PATHS = {"2.2": "v2/events", "3.0": "events"}
SINCE = {"2.2": "eventCreatedDateTime:gte", "3.0": "eventUpdatedDateTimeMin"}
NEXT = {"2.2": "Next-Page", "3.0": "Next-Page-Cursor"}
MAX_PAGES = 1000  # in one poll; the next poll goes on from the watermark


@dataclass(frozen=True)
class Page:
    events: list[Any]
    url: str  # without its query (which may hold a key)


def events_url(base: str, version: str) -> str:
    """The events endpoint under a carrier's API root (kept as is when it names it)."""
    path = urlparse(base).path.rstrip("/")
    if path.endswith(("/events", "/v2/events")):
        return base
    return urljoin(base.rstrip("/") + "/", PATHS[version])


def _with(url: str, params: dict[str, str]) -> str:
    parts = urlparse(url)
    query = dict(parse_qsl(parts.query))
    query.update(params)
    return urlunparse(parts._replace(query=urlencode(query)))


def next_url(current: str, header: str | None) -> str | None:
    """The next page from a paging header: a link (absolute or relative) or a cursor."""
    if not header or not header.strip():
        return None
    value = header.strip()
    if value.startswith(("http://", "https://", "/")) or "?" in value:
        return urljoin(current, value)
    return _with(current, {"cursor": value})


def poll_pages(
    base: str,
    version: str,
    since: datetime | None,
    counts: Counter[str],
    session: requests.Session,
    headers: dict[str, str] | None = None,
    limit: int = 100,
    timeout_s: float = 30.0,
) -> Iterator[Page]:
    """The pages of one poll, in order. Raises `requests.RequestException` or `ValueError`
    (with the reason) when a page fails; the pages already yielded stand."""
    params = {"limit": str(limit)}
    if since is not None:
        params[SINCE[version]] = since.isoformat().replace("+00:00", "Z")
    url: str | None = _with(events_url(base, version), params)
    asked = {"API-Version": "2" if version == "2.2" else "3.0.0", **(headers or {})}
    pages = 0
    while url and pages < MAX_PAGES:
        answer = session.get(url, headers=asked, timeout=(5.0, timeout_s), stream=True)
        with answer:
            if answer.status_code == 429:
                raise RateLimited(answer.headers.get("Retry-After"))
            if answer.status_code >= 400:
                raise ValueError(f"HTTP {answer.status_code}")
            body = answer.raw.read(MAX_BODY + 1, decode_content=True)
            if len(body) > MAX_BODY:
                raise ValueError(f"a page over {MAX_BODY >> 20} MiB")
            events = page_events(json.loads(body), version)
            pages += 1
            counts["pages"] += 1
            yield Page(events, urlparse(url)._replace(query="").geturl())
            url = next_url(url, answer.headers.get(NEXT[version]))


def page_events(body: Any, version: str) -> list[Any]:
    """The events of an answer in its version's shape (2.2 an array, 3.0 a
    GetEventsResponse); ValueError for anything else (an error page, another API)."""
    shaped = (
        isinstance(body, list) if version == "2.2" else isinstance(body, dict) and "events" in body
    )
    if not shaped:
        raise ValueError(f"not a DCSA {version} events answer")
    try:
        return events_of(body)
    except EventError as exc:
        raise ValueError(str(exc)) from exc


class RateLimited(ValueError):
    def __init__(self, retry_after_header: str | None):
        super().__init__("HTTP 429")
        self.retry_after = retry_after_header
