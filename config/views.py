"""Site pages outside the apps: the home page, the health check, the error page."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

from geo.models import Node


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"node_count": Node.objects.mapped().count()})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and `make run` (503 while the
    database is away)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            postgis = cursor.fetchone()[0]
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok", "postgis": postgis})


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
