"""Rate limits of the API, keyed on the real client address (core.requests.client_address):
anonymous requests, and failed token attempts (a wrong token is refused before DRF's
throttles run, so guessing needs its own limit)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle

from core.requests import client_address

TOKEN_FAILURE_WINDOW_S = 60


def address_of(request: Any) -> str:
    return client_address(request.META, settings.CW_TRUSTED_PROXIES)


class AnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, per real client address (never a header a client sets)."""

    def get_ident(self, request: Any) -> str:
        return address_of(request)


def _failure_key(request: Any) -> str:
    return f"token-failures:{address_of(request)}"


def refuse_if_guessing(request: Any) -> None:
    """429 for an address that sent more than CW_TOKEN_FAILURES wrong tokens within the
    last minute (every token it sends is refused until the minute has passed)."""
    if cache.get(_failure_key(request), 0) >= settings.CW_TOKEN_FAILURES:
        raise Throttled(wait=TOKEN_FAILURE_WINDOW_S, detail="too many wrong tokens")


def count_failure(request: Any) -> None:
    key = _failure_key(request)
    if cache.add(key, 1, TOKEN_FAILURE_WINDOW_S):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, TOKEN_FAILURE_WINDOW_S)
