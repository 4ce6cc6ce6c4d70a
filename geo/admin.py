from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .models import BasemapLayer, DigitalServiceCategory, Node, NodeService
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
