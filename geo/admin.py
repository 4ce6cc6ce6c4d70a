from django import forms
from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from core.admin import UserEditAdmin

from .models import BasemapLayer, DigitalServiceCategory, Geofence, Node, NodeService
from .services.geofences import (
    FENCE_EDITABLE,
    clean_fence_geometry,
    create_geofence,
    update_geofence,
)
from .services.nodes import NODE_EDITABLE, record_node_service, update_node
from .widgets import OfflineMapWidget


class OfflineMapAdmin(GISModelAdmin):
    gis_widget = OfflineMapWidget


class NodeServiceInline(admin.TabularInline):
    """A node's services, history included; a change is recorded on the service page
    (a new row, so coverage over time stays right)."""

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
        "origin",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Node)
class NodeAdmin(OfflineMapAdmin):
    """Saving a node goes through `update_node` (a user edit that seed loads keep)."""

    list_display = ["code", "name_en", "name_zh", "kind", "country", "coord_quality", "unlocode"]
    list_filter = ["kind", "country", "coord_quality", "origin"]
    search_fields = ["code", "name_en", "name_zh", "unlocode"]
    inlines = [NodeServiceInline]

    def get_readonly_fields(self, request, obj=None):
        # The code is the node's identity (URLs, figures, fences): fixed once created.
        return ["origin", "code"] if obj else ["origin"]

    def save_model(self, request, obj, form, change):
        if change:
            values = {k: form.cleaned_data[k] for k in form.changed_data if k in NODE_EDITABLE}
            update_node(Node.objects.get(pk=obj.pk), values)
            return
        super().save_model(request, obj, form, change)


@admin.register(DigitalServiceCategory)
class DigitalServiceCategoryAdmin(UserEditAdmin):
    list_display = ["code", "name_en", "name_zh", "weight", "order", "origin"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(NodeService)
class NodeServiceAdmin(admin.ModelAdmin):
    """Saving records the level as of now through `record_node_service`: the row it
    replaces is ended, not overwritten."""

    list_display = ["node", "category", "level", "since_year", "valid_from", "valid_to", "origin"]
    list_filter = ["level", "category", "origin"]
    search_fields = ["node__code", "node__name_en"]
    autocomplete_fields = ["node", "category"]
    fields = ["node", "category", "level", "since_year", "evidence_url", "evidence_note"]

    def get_readonly_fields(self, request, obj=None):
        return ["node", "category"] if obj else []

    def save_model(self, request, obj, form, change):
        new = record_node_service(
            obj.node,
            obj.category,
            obj.level,
            evidence_url=obj.evidence_url,
            note=obj.evidence_note,
            verified_by=request.user,
            since_year=obj.since_year,
        )
        obj.pk = new.pk


@admin.register(BasemapLayer)
class BasemapLayerAdmin(admin.ModelAdmin):
    list_display = ["name", "feature_count", "loaded_at"]
    readonly_fields = ["name", "source", "checksum", "feature_count", "loaded_at"]


class GeofenceForm(forms.ModelForm):
    class Meta:
        model = Geofence
        fields = ["node", "kind", "name", "geom", "approximate", "basis"]

    def clean_geom(self):
        geom = self.cleaned_data.get("geom")
        try:
            return clean_fence_geometry(geom)
        except Exception as exc:  # a ValidationError naming the field
            raise forms.ValidationError(getattr(exc, "message_dict", {}).get("geom", exc)) from exc


@admin.register(Geofence)
class GeofenceAdmin(OfflineMapAdmin):
    """Every save goes through the fence services: an edit saves a new version of every
    changed field (the old one is kept: port calls cite it)."""

    form = GeofenceForm
    list_display = [
        "name",
        "node",
        "kind",
        "version",
        "approximate",
        "origin",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["kind", "approximate", "origin", "node"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["version", "valid_from", "valid_to", "origin"]
        if obj is not None:
            fixed.append("node")
            if obj.valid_to is not None:  # a past version is history
                fixed += ["kind", "name", "geom", "approximate", "basis"]
        return fixed

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("node")

    def save_model(self, request, obj, form, change):
        if change:
            values = {k: form.cleaned_data[k] for k in form.changed_data if k in FENCE_EDITABLE}
            new = update_geofence(Geofence.objects.get(pk=obj.pk), values)
        else:
            values = {k: form.cleaned_data[k] for k in FENCE_EDITABLE if k in form.cleaned_data}
            new = create_geofence(form.cleaned_data["node"], values)
        obj.pk, obj.version = new.pk, new.version
