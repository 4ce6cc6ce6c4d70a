"""A provider's HTTP feed of vessel positions (the AISHub kind): polled every `interval_s`
seconds, each answer's records turned into rows of the `aishub` layout and decoded by the
CSV decoder, so they pass the same checks as every other source (vessel MMSIs, the time
window, "not available" values, control characters) and repeat positions are stored once.

The provider's limits are kept: never two requests closer than `interval_s`; a 429 waits
its Retry-After (seconds or an HTTP date) and longer each time; a 5xx, a refused or dropped
connection, a timeout or a body that is not the expected JSON waits and tries again with a
growing delay (to `max_backoff_s`). Nothing a provider answers stops the feed; each outcome
is counted. Pure of Django.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse
from xml.etree import ElementTree

import requests

from core.ingest.http import Backoff, retry_after

from .decoded import Layout

log = logging.getLogger(__name__)

AISHUB = Layout(
    "aishub",
    {
        "mmsi": "MMSI",
        "time": "TIME",
        "lon": "LONGITUDE",
        "lat": "LATITUDE",
        "cog": "COG",
        "sog": "SOG",
        "heading": "HEADING",
        "nav_status": "NAVSTAT",
        "imo": "IMO",
        "name": "NAME",
        "callsign": "CALLSIGN",
        "ship_type": "TYPE",
        "to_bow": "A",
        "to_stern": "B",
        "to_port": "C",
        "to_starboard": "D",
        "draught": "DRAUGHT",
        "destination": "DEST",
    },
    time_format="%Y-%m-%d %H:%M:%S GMT",
    label="HTTP provider (AISHub JSON)",
)
HEADER = list(AISHUB.columns.values())
MAX_BODY = 64 * 2**20  # an answer larger than this is refused (counted), not read
MAX_RECORDS = 500_000


def feed_url(
    base: str, key: str = "", bbox: tuple[float, float, float, float] | None = None
) -> str:
    """The poll URL: `base` with AISHub's parameters (username, JSON, human-readable
    values, uncompressed) and the box (lon_min, lat_min, lon_max, lat_max), keeping any
    parameter `base` already has."""
    url = urlparse(base)
    query = dict(parse_qsl(url.query))
    query.setdefault("format", "1")
    query.setdefault("output", "json")  # xml is read too
    query.setdefault("compress", "0")
    if key:
        query["username"] = key
    if bbox is not None:
        lon_min, lat_min, lon_max, lat_max = bbox
        query.update(
            latmin=f"{lat_min:g}",
            latmax=f"{lat_max:g}",
            lonmin=f"{lon_min:g}",
            lonmax=f"{lon_max:g}",
        )
    return urlunparse(url._replace(query=urlencode(query)))


def without_query(url: str) -> str:
    """A feed's URL as names, logs and stored runs show it: without its query (the key)."""
    return urlparse(url)._replace(query="").geturl()


def records_of(body: Any) -> list[dict[str, Any]]:
    """The vessel records of an answer: AISHub's `[{"ERROR": false, ...}, [records]]`, or
    a plain list of records, or `{"data": [...]}`. ValueError (with the provider's words)
    for an error answer or another shape."""
    if isinstance(body, list) and body and isinstance(body[0], dict) and "ERROR" in body[0]:
        meta = body[0]
        if meta.get("ERROR"):
            raise ValueError(str(meta.get("ERROR_MESSAGE") or "the provider answered an error"))
        body = body[1] if len(body) > 1 else []
    elif isinstance(body, dict) and isinstance(body.get("data"), list):
        body = body["data"]
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise ValueError("not a list of vessel records")
    return body


def decode_body(body: bytes) -> Any:
    """An answer's content: JSON, or XML (AISHub's `output=xml`: a root whose ERROR and
    ERROR_MESSAGE attributes say a refusal, one element per vessel with its fields as
    attributes). The XML parser (expat, as bundled with Python 3.11) resolves no external
    entity and stops entity expansion bombs; a document type declaration is refused."""
    text = body.lstrip()
    if not text.startswith(b"<"):
        return json.loads(body)
    if b"<!DOCTYPE" in text[:2048].upper() or b"<!ENTITY" in text.upper():
        raise ValueError("an XML answer with a document type declaration")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    meta: dict[str, Any] = {"ERROR": root.get("ERROR", "false").lower() == "true"}
    if meta["ERROR"]:
        meta["ERROR_MESSAGE"] = root.get("ERROR_MESSAGE") or root.text or "error"
        return [meta]
    return [meta, [dict(e.attrib) for e in root.iter() if "MMSI" in e.attrib]]


def to_lines(records: list[dict[str, Any]]) -> list[bytes]:
    """Records as CSV lines of the aishub layout (the decoder reads them like a file)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for r in records[:MAX_RECORDS]:
        writer.writerow(["" if r.get(col) is None else str(r.get(col)) for col in HEADER])
    return [line.encode() + b"\n" for line in out.getvalue().splitlines()]


def http_blocks(
    url: str,
    stop: threading.Event,
    counts: Counter[str],
    interval_s: float = 60.0,
    max_backoff_s: float = 600.0,
    timeout_s: float = 30.0,
    session: requests.Session | None = None,
) -> Iterator[tuple[list[bytes], float, int | None]]:
    """Blocks of CSV lines (the header first) from polling `url`, for the pipeline."""
    http = session or requests.Session()
    yield [",".join(HEADER).encode() + b"\n"], time.time(), None
    pace = Backoff(interval_s, max_backoff_s)
    shown = without_query(url)  # never log the key

    while not stop.is_set():
        started = time.time()
        wait = interval_s
        try:
            answer = http.get(url, timeout=(5.0, timeout_s), stream=True)
            with answer:
                if answer.status_code == 429:
                    counts["http_rate_limited"] += 1
                    asked = retry_after(answer.headers.get("Retry-After"), time.time())
                    wait = pace.rate_limited(asked)
                    log.warning("%s: 429, waiting %.0f s", shown, wait)
                elif answer.status_code >= 400:
                    counts["http_errors"] += 1
                    wait = pace.failed()
                    log.warning("%s: HTTP %s, retrying in %.0f s", shown, answer.status_code, wait)
                else:
                    body = answer.raw.read(MAX_BODY + 1, decode_content=True)
                    if len(body) > MAX_BODY:
                        raise ValueError(f"an answer over {MAX_BODY >> 20} MiB")
                    records = records_of(decode_body(body))
                    counts["http_polls"] += 1
                    pace.succeeded()
                    yield to_lines(records), time.time(), None
        except requests.RequestException as exc:
            counts["http_errors"] += 1
            wait = pace.failed()
            log.warning("%s: %s; retrying in %.0f s", shown, type(exc).__name__, wait)
        except ValueError as exc:  # JSON, shape, size or the provider's own error
            counts["http_bad_answers"] += 1
            wait = pace.failed()
            log.warning("%s: %s; retrying in %.0f s", shown, exc, wait)
        # The next request no sooner than `wait` after this one started; say we are alive.
        while not stop.is_set() and time.time() - started < wait:
            yield [], time.time(), None
            stop.wait(min(1.0, max(wait - (time.time() - started), 0.0)))
