from django.contrib import admin

from .models import CallEvent, DetectionRule, PortCall
from .services.calls import RULE_FIELDS, update_rule


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
    readonly_fields = ["version", "valid_from", "valid_to", "created_by", "origin"]

    def get_readonly_fields(self, request, obj=None):
        fixed = [*self.readonly_fields, "node"]
        if obj is not None and obj.valid_to is not None:  # a past version is history
            fixed += [*RULE_FIELDS, "note"]
        return fixed

    def has_add_permission(self, request):
        return False  # every port with a limit has a rule; changes add versions

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in RULE_FIELDS}
        new = update_rule(obj.node, user=request.user, note=form.cleaned_data["note"], **values)
        obj.pk, obj.version = new.pk, new.version


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


@admin.register(CallEvent)
class CallEventAdmin(admin.ModelAdmin):
    """Arrivals and departures as carriers report them (DCSA): read only, as received."""

    list_display = ["vessel_imo", "vessel_name", "node", "event", "classifier", "at", "source"]
    list_filter = ["node", "event", "classifier", "retracted", "source"]
    search_fields = ["vessel_name", "voyage", "event_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
