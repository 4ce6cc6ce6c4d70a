from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .choices import Role
from .models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["nodes"]

    def get_readonly_fields(self, request, obj=None):
        # Nobody but a superuser changes their own role.
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            return ["role"]
        return []

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # Only a system administrator (a superuser) makes another one.
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class CorridorUserAdmin(UserAdmin):
    inlines = [ProfileInline]

    # The security administrator manages accounts and roles (through the profile's role),
    # never the superuser flag, groups or single permissions: those would let a role grant
    # itself what the three administrators are kept apart from.
    PROTECTED = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [f for f in self.PROTECTED if f not in fields]
        return fields
