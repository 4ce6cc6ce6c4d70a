"""Who may call what: permission classes shared by the API views."""

from rest_framework import permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone reads; administrators (staff) write."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_staff
        )
