from django.contrib import admin

from core.admin import UserEditAdmin

from .models import PortAlias, ThroughputReport


@admin.register(ThroughputReport)
class ThroughputReportAdmin(UserEditAdmin):
    list_display = [
        "node",
        "metric",
        "period_kind",
        "period_start",
        "period_end",
        "value",
        "qualifier",
        "source",
        "status",
        "reporting_entity",
    ]
    list_filter = ["metric", "source", "status", "period_kind"]
    search_fields = ["node__code", "node__name_en", "reporting_entity"]
    autocomplete_fields = ["node", "supersedes"]
    readonly_fields = ["created_at", "submitted_by"]
    date_hierarchy = "period_end"


@admin.register(PortAlias)
class PortAliasAdmin(admin.ModelAdmin):
    """Port names as statistics tables write them (`import_mot` lists the names it could
    not map: add them here)."""

    list_display = ["name", "node", "note"]
    search_fields = ["name", "node__code", "node__name_zh"]
    autocomplete_fields = ["node"]
