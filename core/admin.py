"""Admin pieces the apps share."""

from __future__ import annotations

from django.contrib import admin

from .models import ColumnProfile, Origin


class UserEditAdmin(admin.ModelAdmin):
    """For seeded models: a row saved in the admin becomes a user edit, which seed loads
    keep (`load_corridor --reset` is the way back). Shows the origin."""

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "origin"]

    def save_model(self, request, obj, form, change):
        obj.origin = Origin.USER
        super().save_model(request, obj, form, change)


@admin.register(ColumnProfile)
class ColumnProfileAdmin(admin.ModelAdmin):
    """Saved column mappings (CSV profiles); a mapping is checked (model clean) on save."""

    list_display = ["kind", "name", "label", "created_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "label"]
    readonly_fields = ["created_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not obj.created_by:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)
