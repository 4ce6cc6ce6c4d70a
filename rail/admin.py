"""The rail app in the admin: carriers' DCSA feeds (set up here or with `manage.py
carrier_feed`), the events they sent, and location aliases (facility codes to nodes)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import CarrierEvent, CarrierFeed, LocationAlias


@admin.register(CarrierFeed)
class CarrierFeedAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "base_url", "interval_s", "watermark", "active"]
    readonly_fields = ["subscription_id", "callback", "watermark"]
    fields = [
        "name",
        "version",
        "active",
        "base_url",
        "auth_header",
        "auth_value",
        "interval_s",
        "page_limit",
        "watermark",
        "subscription_id",
        "callback",
        "secret",
    ]

    @admin.display(description=_("Callback (push)"))
    def callback(self, obj: CarrierFeed) -> str:
        if obj.pk is None:
            return "-"
        return reverse("dcsa-callback", args=[obj.subscription_id])


@admin.register(CarrierEvent)
class CarrierEventAdmin(admin.ModelAdmin):
    """Every DCSA event received, at its latest version: read only."""

    list_display = ["event_id", "source", "kind", "code", "outcome", "why", "updated", "via"]
    list_filter = ["source", "kind", "outcome", "via", "version"]
    search_fields = ["event_id"]
    date_hierarchy = "updated"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LocationAlias)
class LocationAliasAdmin(admin.ModelAdmin):
    """Codes of other schemes for nodes: `smdg` `<UN/LOCODE>:<terminal>`, `bic` facility
    codes, `unlocode`, railway `station` codes."""

    list_display = ["scheme", "code", "node"]
    list_filter = ["scheme"]
    search_fields = ["code"]
