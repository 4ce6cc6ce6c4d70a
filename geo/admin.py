from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.utils import timezone

from .models import BasemapLayer, DigitalServiceCategory, Geofence, Node, NodeService
from .widgets import OfflineMapWidget


class OfflineMapAdmin(GISModelAdmin):
    gis_widget = OfflineMapWidget


class NodeServiceInline(admin.TabularInline):
    model = NodeService
    extra = 0
    fields = [
        "category",
        "level",
        "since_year",
        "valid_from",
        "valid_to",
        "evidence_url",
        "verified_by",
    ]
    autocomplete_fields = ["category"]


@admin.register(Node)
class NodeAdmin(OfflineMapAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "country", "coord_quality", "unlocode"]
    list_filter = ["kind", "country", "coord_quality"]
    search_fields = ["code", "name_en", "name_zh", "unlocode"]
    inlines = [NodeServiceInline]


@admin.register(DigitalServiceCategory)
class DigitalServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "weight", "order"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(NodeService)
class NodeServiceAdmin(admin.ModelAdmin):
    list_display = ["node", "category", "level", "since_year", "valid_from", "valid_to"]
    list_filter = ["level", "category"]
    search_fields = ["node__code", "node__name_en"]
    autocomplete_fields = ["node", "category"]


@admin.register(BasemapLayer)
class BasemapLayerAdmin(admin.ModelAdmin):
    list_display = ["name", "feature_count", "loaded_at"]
    readonly_fields = ["name", "source", "checksum", "feature_count", "loaded_at"]


@admin.register(Geofence)
class GeofenceAdmin(OfflineMapAdmin):
    """Editing a fence saves a new version; the old one is kept (port calls cite them)."""

    list_display = ["name", "node", "kind", "version", "approximate", "valid_from", "valid_to"]
    list_filter = ["kind", "approximate", "node"]
    readonly_fields = ["version", "valid_from", "valid_to"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("node")

    def save_model(self, request, obj, form, change):
        if change and "geom" in form.changed_data:
            from .services import update_geofence

            old = Geofence.objects.get(pk=obj.pk)
            new = update_geofence(old, obj.geom)
            obj.pk, obj.version = new.pk, new.version
            return
        if not change:
            obj.valid_from = timezone.now()
        super().save_model(request, obj, form, change)
