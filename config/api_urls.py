"""The REST API: each app's routes (kebab-case plurals) under /api/, and a browsable root
listing every collection."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import urls as accounts_urls
from ais.api import urls as ais_urls
from alerts.api import urls as alerts_urls
from audit.api import urls as audit_urls
from corridors.api import urls as corridors_urls
from exports.api import urls as exports_urls
from geo.api import urls as geo_urls
from portcalls.api import urls as portcalls_urls
from ports.api import urls as ports_urls
from rail.api import urls as rail_urls

APPS = (
    geo_urls,
    corridors_urls,
    ports_urls,
    ais_urls,
    portcalls_urls,
    rail_urls,
    alerts_urls,
    exports_urls,
    accounts_urls,
    audit_urls,
)

# Only for the root view's list of collections: each app's own urls serve its routes.
root = DefaultRouter()
for app in APPS:
    root.registry.extend(app.router.registry)

urlpatterns = [
    path("", root.get_api_root_view(), name="api-root"),
    *(path("", include(app)) for app in APPS),
]
