"""Who is acting and from where, for the request being served (set by the audit
middleware for Django and by the Dash app's login check), so a service recording an action
needs only say what was done."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Acting:
    user: Any
    ip: str


current: ContextVar[Acting | None] = ContextVar("cw_audit_acting", default=None)


def client_ip(meta: dict[str, Any]) -> str:
    """The address a request came from (X-Forwarded-For only from CW_TRUSTED_PROXIES, as
    the login throttle reads it: core.requests.client_address)."""
    from django.conf import settings

    from core.requests import client_address

    return str(client_address(meta, settings.CW_TRUSTED_PROXIES) or "")[:45]
