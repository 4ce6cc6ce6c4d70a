"""Compression of text answers for the whole site (Django and Dash alike): brotli when the
client takes it, else gzip. GeoJSON layers shrink 5-10x, the Dash bundles 3-4x.

A WSGI middleware so that it covers the Dash (Flask) half as well as Django's. Only
whole answers of a compressible type between `MIN_BYTES` and `MAX_BYTES` are compressed
(a large export download streams through untouched); an ETag becomes weak (the encoded
bytes differ from the identity ones).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is in the lock; gzip alone still works
    brotli = None

MIN_BYTES = 512
MAX_BYTES = 32 << 20
MEMO_BYTES = 64 << 20  # the encoded answers kept, per process (see `Memo`)
TYPES = (
    "text/",
    "application/json",
    "application/geo+json",
    "application/javascript",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)


def choose(accept: str) -> str | None:
    """The coding to use for an Accept-Encoding header (q=0 refuses a coding)."""
    offered = {}
    for part in accept.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        offered[name.strip().lower()] = q
    if brotli is not None and offered.get("br", 0) > 0:
        return "br"
    if offered.get("gzip", 0) > 0:
        return "gzip"
    return None


def encode(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return bytes(brotli.compress(body, quality=5))
    return gzip.compress(body, compresslevel=5, mtime=0)


class Memo:
    """The encoded bodies of recent answers, by a digest of the identity body: a layer that
    hundreds of maps ask for between two changes is compressed once, not per request
    (hashing a megabyte costs a millisecond, compressing it ten or more). Least recently
    used first out, `limit` bytes in all; shared by the threads of a process."""

    def __init__(self, limit: int = MEMO_BYTES):
        self.limit, self.size = limit, 0
        self.items: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def encoded(self, body: bytes, coding: str) -> bytes:
        key = (hashlib.blake2b(body, digest_size=16).digest(), coding)
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        found = encode(body, coding)
        with self.lock:
            if key not in self.items and len(found) <= self.limit:
                self.items[key] = found
                self.size += len(found)
                while self.size > self.limit:
                    _, dropped = self.items.popitem(last=False)
                    self.size -= len(dropped)
        return found


class Compress:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.memo = Memo()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        coding = choose(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if coding is None or environ.get("REQUEST_METHOD") == "HEAD":
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}
        written: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return written.append

        result = self.app(environ, capture)
        chunks: Iterator[bytes] = iter(result)
        if "status" not in captured:  # an app that starts the response on first iteration
            chunks = chain([next(chunks, b"")], chunks)
        status, headers = captured["status"], captured["headers"]
        if not self._compressible(status, headers):
            start_response(status, headers, captured["exc_info"])
            return _closing(chain(written, chunks), result)
        try:
            body = b"".join(chain(written, chunks))
        finally:
            if hasattr(result, "close"):
                result.close()
        if len(body) < MIN_BYTES:
            start_response(status, headers, captured["exc_info"])
            return [body]
        encoded = self.memo.encoded(body, coding)
        out = []
        vary = "Accept-Encoding"
        for name, value in headers:
            key = name.lower()
            if key == "content-length":
                continue
            if key == "vary":
                vary = f"{value}, Accept-Encoding"
                continue
            if key == "etag" and not value.startswith("W/"):
                value = "W/" + value
            out.append((name, value))
        out += [
            ("Content-Encoding", coding),
            ("Content-Length", str(len(encoded))),
            ("Vary", vary),
        ]
        start_response(status, out, captured["exc_info"])
        return [encoded]

    @staticmethod
    def _compressible(status: str, headers: list[tuple[str, str]]) -> bool:
        if not status.startswith("200"):
            return False
        values = {name.lower(): value for name, value in headers}
        if "content-encoding" in values:
            return False
        if not values.get("content-type", "").lower().startswith(TYPES):
            return False
        length = values.get("content-length")
        # Unknown length: a stream (an export being written): left alone.
        return length is not None and length.isdigit() and int(length) <= MAX_BYTES


def _closing(chunks: Iterator[bytes], result: Iterable[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        if hasattr(result, "close"):
            result.close()
