"""Who may call what: the API's permission class.

Reads need a login (session or token) holding the permission to read the corridor's data
(READ_DATA: every role but the security and audit administrators), except the map layers
when the deployment opens them (`CW_PUBLIC_LAYERS`, views marked `public_read`). Writes
need the Django model permission of the action (add/change/delete on the view's model,
which the roles grant; see accounts.roles), or the permissions a view names in
`write_permissions`.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import permissions

READ_DATA = "accounts.read_data"


class CorridorPermission(permissions.DjangoModelPermissions):
    # GET needs no model permission: every role reads what it can see.
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            if request.user and request.user.is_authenticated:
                # Every role that reads the corridor's data holds it; the security and
                # audit administrators do not (accounts.roles.DATA_ROLES).
                return bool(request.user.has_perm(READ_DATA))
            return bool(getattr(view, "public_read", False) and settings.CW_PUBLIC_LAYERS)
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method.upper() not in {m.upper() for m in view.allowed_methods}:
            return True  # the view answers 405 Method Not Allowed
        explicit = getattr(view, "write_permissions", None)
        if explicit is not None:
            return request.user.has_perms(explicit)
        return super().has_permission(request, view)
