"""Every request that reads or changes non-public data, recorded (audit.services.record):
who, what (method, path and query), when, from where, and the answer's status. Sets the
acting user and address for the services the request calls (audit.context)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from .choices import Action
from .context import Acting, client_ip, current
from .services import record

# What is not worth a row: static files, health and metrics probes, the schema documents,
# Dash's own assets and callbacks (the Dash app records the pages it serves itself).
SKIPPED = (
    "/static/",
    "/healthz",
    "/metrics",
    "/favicon.ico",
    "/api/schema",
    "/jsi18n/",
    "/i18n/",
    "/accounts/login/",
    "/accounts/logout/",
    "/dash/",
)
QUERY_MAX = 300
log = logging.getLogger(__name__)


class AuditRequests:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current.set(Acting(getattr(request, "user", None), client_ip(request.META)))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        user = getattr(request, "user", None)  # DRF's token login shows here after the view
        if user is None or not user.is_authenticated or request.path.startswith(SKIPPED):
            return response
        if request.path == "/" and request.method == "GET":
            return response  # the home page: public
        read = request.method in ("GET", "HEAD", "OPTIONS")
        query = request.META.get("QUERY_STRING", "")[:QUERY_MAX]
        try:
            record(
                Action.READ if read else Action.WRITE,
                request.path,
                {"method": request.method, "status": response.status_code, "query": query},
                user=user,
                ip=client_ip(request.META),
            )
        except DatabaseError:  # the database went away after the answer was made
            log.error("audit: not recorded: %s %s by %s", request.method, request.path, user)
        return response
