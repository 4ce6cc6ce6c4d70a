"""Use cases of accounts: roles, operator bindings, demo users."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from geo.models import Node

from .models import Profile, Role


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    nodes: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN),
    DemoUser("official", Role.OFFICIAL),
    DemoUser("analyst", Role.ANALYST),
    DemoUser("operator", Role.OPERATOR, ("QZ_PORT", "QZ_ACT")),
)


def role_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile else (Role.ADMIN if user.is_superuser else None)


@transaction.atomic
def create_demo_users(password: str) -> list[str]:
    """Create or reset the demo accounts with `password`; the admin is a superuser."""
    User = get_user_model()
    names = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.is_staff = user.is_superuser = demo.role == Role.ADMIN
        user.set_password(password)
        user.save()
        profile, _ = Profile.objects.get_or_create(user=user)
        profile.role = demo.role
        profile.save()
        profile.nodes.set(Node.objects.filter(code__in=demo.nodes))
        names.append(f"{demo.username} ({demo.role})")
    return names
