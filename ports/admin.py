from django.contrib import admin
from django.utils import timezone

from .models import DetectionRule, PortCall, ThroughputReport


@admin.register(ThroughputReport)
class ThroughputReportAdmin(admin.ModelAdmin):
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


@admin.register(DetectionRule)
class DetectionRuleAdmin(admin.ModelAdmin):
    """Changing a rule saves a new version; calls keep the version that made them."""

    list_display = [
        "node",
        "version",
        "speed_kn",
        "min_stay_s",
        "gap_timeout_s",
        "exit_hysteresis_m",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["node"]
    readonly_fields = ["version", "valid_from", "valid_to", "created_by"]

    def save_model(self, request, obj, form, change):
        if change:
            from .portcall_services import update_rule

            values = {
                k: form.cleaned_data[k]
                for k in ("speed_kn", "min_stay_s", "gap_timeout_s", "exit_hysteresis_m")
            }
            new = update_rule(obj.node, user=request.user, note=form.cleaned_data["note"], **values)
            obj.pk, obj.version = new.pk, new.version
            return
        obj.valid_from, obj.created_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(PortCall)
class PortCallAdmin(admin.ModelAdmin):
    list_display = [
        "vessel",
        "node",
        "arrival_at",
        "berth_start_at",
        "departure_at",
        "anchorage_wait_s",
        "rule",
    ]
    list_filter = ["node"]
    date_hierarchy = "arrival_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
