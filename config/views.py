"""Site pages outside the apps: the home page, the health check, the metrics, the error
page."""

import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

from core.api.throttles import address_of
from core.heartbeat import processes
from core.metrics import exposition
from geo.models import Node


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"node_count": Node.objects.mapped().count()})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and `make run` (503 while the
    database is away), and every long-running process's last beat: `late` names those
    that missed theirs (status "degraded"; the web itself still answers 200)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            postgis = cursor.fetchone()[0]
        found = processes()
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    late = sorted(name for name, p in found.items() if p["late"])
    return JsonResponse(
        {
            "status": "degraded" if late else "ok",
            "postgis": postgis,
            "late": late,
            "processes": found,
        }
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (core.metrics): for a scraper on this machine (the connection's
    own address, core.requests.client_address), a bearer of CW_METRICS_TOKEN, or a logged-in
    administrator."""
    token = settings.CW_METRICS_TOKEN
    bearer = request.headers.get("Authorization", "") == f"Bearer {token}" if token else False
    local = address_of(request) in ("127.0.0.1", "::1")
    if not (bearer or local or request.user.is_superuser):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    try:
        body, content_type = exposition()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse(body, content_type=content_type)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500, except while the database is away (a restart, a failover): 503 and a hint to
    retry, which the site and the API recover from by themselves."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        response = JsonResponse(
            {"detail": "The database is unavailable; try again shortly."}, status=503
        )
        response["Retry-After"] = "10"
        return response
    return django_server_error(request)
