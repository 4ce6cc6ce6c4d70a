"""Request hygiene before any view runs (Django and Dash alike, as a WSGI wrapper): a path
or query value holding a NUL or another control character is a 400. PostgreSQL refuses NUL
in text, so such a value reaching a filter would be a 500 (core.ingest.text). And who the
client is: its own address, or the one a trusted proxy names (`client_address`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from ipaddress import ip_address
from typing import Any
from urllib.parse import unquote_to_bytes

from core.ingest.text import has_control_bytes

BODY = b'{"detail": "control character in the address"}'


def client_address(meta: dict[str, Any], trusted: frozenset[str] | set[str]) -> str:
    """The client's address for rate limits and lockouts: the connection's own address,
    unless it is one of the `trusted` proxies (CW_TRUSTED_PROXIES); then the right-most
    address of X-Forwarded-For that is not a trusted proxy (each proxy appends the address
    it received the request from; what a client wrote itself stands further left and is
    never believed)."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    if remote not in trusted:
        return remote
    for part in reversed(str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        candidate = part.strip()
        if not candidate or candidate in trusted:
            continue
        try:
            return str(ip_address(candidate))
        except ValueError:
            return remote  # a proxy that writes junk: keep to what we know
    return remote


def refused_address(path_info: str, query_string: str) -> bool:
    """Whether a request's path (WSGI's PATH_INFO, already unquoted, latin-1) or its query
    string (still quoted) holds a control character."""
    path = path_info.encode("latin-1", "replace")
    query = unquote_to_bytes(query_string.replace("+", " ")) if query_string else b""
    return has_control_bytes(path) or has_control_bytes(query)


class RefuseControlCharacters:
    """WSGI middleware: answers 400 to a request `refused_address` refuses."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __getattr__(self, name: str) -> Any:  # the wrapped application's own attributes
        return getattr(self.app, name)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if refused_address(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")):
            start_response(
                "400 Bad Request",
                [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))],
            )
            return [BODY]
        return self.app(environ, start_response)
