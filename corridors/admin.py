from django.contrib import admin

from core.admin import UserEditAdmin
from core.geodesy import line_length_m
from geo.admin import OfflineMapAdmin

from .models import Route, RouteMember, RouteSegment


class RouteSegmentInline(admin.TabularInline):
    """Segments listed in order; each is edited (with its map) on its own page."""

    model = RouteSegment
    extra = 0
    fields = ["seq", "from_node", "to_node", "mode", "branch", "schematic", "length_m"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RouteMemberInline(admin.TabularInline):
    model = RouteMember
    extra = 0
    autocomplete_fields = ["node", "anchor"]


@admin.register(Route)
class RouteAdmin(UserEditAdmin, OfflineMapAdmin):
    list_display = ["code", "name_en", "name_zh", "modes", "order"]
    search_fields = ["code", "name_en", "name_zh"]
    inlines = [RouteSegmentInline, RouteMemberInline]


@admin.register(RouteSegment)
class RouteSegmentAdmin(UserEditAdmin, OfflineMapAdmin):
    list_display = ["route", "seq", "from_node", "to_node", "mode", "schematic", "length_m"]
    list_filter = ["route", "mode", "schematic", "branch"]
    autocomplete_fields = ["from_node", "to_node"]
    readonly_fields = ["length_m"]

    def get_readonly_fields(self, request, obj=None):
        # Route and sequence are the segment's identity for the seed loader.
        fixed = super().get_readonly_fields(request, obj)
        return [*fixed, "route", "seq"] if obj else fixed

    def save_model(self, request, obj, form, change):
        # The length follows the (possibly redrawn) line: geodesic metres.
        obj.length_m = round(line_length_m(list(obj.geom.coords)), 1)
        super().save_model(request, obj, form, change)
