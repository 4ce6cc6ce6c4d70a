"""Admin map widget that works offline: OpenLayers served from static/vendor, the bundled
vector basemap as its base layer (a tile URL only when one is configured)."""

from django.conf import settings
from django.contrib.gis.forms.widgets import OpenLayersWidget


class OfflineMapWidget(OpenLayersWidget):
    template_name = "gis/offline-map.html"
    default_lon = 106
    default_lat = 24
    default_zoom = 5

    class Media:
        extend = False  # the parent's Media loads OpenLayers from a CDN
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["tile_url"] = settings.CW_TILE_URL
        context["default_lon"] = self.default_lon
        context["default_lat"] = self.default_lat
        context["default_zoom"] = self.default_zoom
        return context
