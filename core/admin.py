"""Admin pieces the apps share."""

from __future__ import annotations

from django.contrib import admin

from .models import Origin


class UserEditAdmin(admin.ModelAdmin):
    """For seeded models: a row saved in the admin becomes a user edit, which seed loads
    keep (`load_corridor --reset` is the way back). Shows the origin."""

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "origin"]

    def save_model(self, request, obj, form, change):
        obj.origin = Origin.USER
        super().save_model(request, obj, form, change)
