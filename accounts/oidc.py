"""Single sign-on with an organisation's identity service (OpenID Connect, through
mozilla-django-oidc): on when `CW_OIDC_CLIENT_ID` is set. A user signing in is found or
made by their `preferred_username` (or e-mail), and their role is taken from the provider's
groups claim by `CW_OIDC_GROUP_ROLES` ("idp-group=role,..."); a user no group maps keeps
the role they have (a new one: analyst). Local accounts still log in with their password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .choices import Role
from .models import Profile


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def group_roles() -> dict[str, str]:
    """The provider's group -> our role, from CW_OIDC_GROUP_ROLES (unknown roles dropped)."""
    out = {}
    for pair in str(getattr(settings, "CW_OIDC_GROUP_ROLES", "")).split(","):
        group, _, role = pair.partition("=")
        if group.strip() and role.strip() in Role.values:
            out[group.strip()] = role.strip()
    return out


def role_from(claims: dict[str, Any]) -> str | None:
    """The role the claims' groups map to (the most trusted first: an administrator's
    group wins over an analyst's); None when no group maps."""
    groups = claims.get(getattr(settings, "CW_OIDC_GROUPS_CLAIM", "groups")) or []
    if isinstance(groups, str):
        groups = [groups]
    mapped = {group_roles().get(str(g)) for g in groups} - {None}
    for role in (Role.ADMIN, Role.SECURITY, Role.AUDITOR, Role.OFFICIAL, Role.OPERATOR):
        if role in mapped:
            return str(role)
    return str(Role.ANALYST) if Role.ANALYST in mapped else None


class CorridorOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    def _name(self, claims: dict[str, Any]) -> str:
        return str(claims.get("preferred_username") or claims.get("email") or "")[:150]

    def filter_users_by_claims(self, claims):
        name = self._name(claims)
        return (
            self.UserModel.objects.filter(username=name) if name else self.UserModel.objects.none()
        )

    def verify_claims(self, claims) -> bool:
        return bool(self._name(claims))

    def create_user(self, claims):
        email = str(claims.get("email", ""))
        user = self.UserModel.objects.create_user(self._name(claims), email=email)
        user.set_unusable_password()  # signs in through the provider only
        user.save()
        Profile.objects.create(user=user, role=role_from(claims) or Role.ANALYST)
        return user

    def update_user(self, user, claims):
        role = role_from(claims)
        profile, _ = Profile.objects.get_or_create(user=user)
        if role and profile.role != role:
            profile.role = role
            profile.save()
        return user
