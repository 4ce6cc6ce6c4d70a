"""`?format=gpkg` (or shp, kml, csv, xlsx) on the API's list endpoints where a layer matches:
redirected to the layer's export with the same filters (`/api/nodes/?format=gpkg&kind=x`
-> `/api/exports/nodes/?format=gpkg&kind=x`). JSON formats stay with the API."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .services.writer import FORMATS

LIST_LAYERS = {
    "/api/nodes/": "nodes",
    "/api/routes/": "routes",
    "/api/route-segments/": "segments",
    "/api/geofences/": "geofences",
    "/api/port-calls/": "port_calls",
    "/api/throughput/": "throughput",
    "/api/vessels/": "latest_positions",
    "/api/trains/": "trains",
}
FILE_FORMATS = set(FORMATS) - {"geojson"}  # GeoJSON is the API's own answer


class ListFormatRedirect:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path in LIST_LAYERS:
            fmt = request.GET.get("format", "")
            if fmt in FILE_FORMATS:
                query = [(k, v) for k, v in request.GET.items() if k not in ("limit", "offset")]
                target = f"/api/exports/{LIST_LAYERS[request.path]}/?{urlencode(query)}"
                return HttpResponseRedirect(target)
        return self.get_response(request)
