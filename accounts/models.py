"""Users' roles, the nodes an operator may report for, and one-off set-up steps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .choices import Role
from .roles import apply_role

__all__ = ["Profile", "Role", "SetupRecord"]


class Profile(models.Model):
    """A user's role; an operator is bound to the nodes whose figures it may touch.
    Saving a profile puts the user in the role's group (its permissions, accounts.roles).
    `demo` marks the demo accounts `make run` creates (the start-up warns while any is
    active)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ANALYST)
    nodes = models.ManyToManyField("geo.Node", blank=True, related_name="operators")
    demo = models.BooleanField(default=False, editable=False)

    class Meta:
        permissions = [("read_data", "Can read the corridor's data (pages, API, exports)")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        apply_role(self.user, self.role)


class SetupRecord(models.Model):
    """A set-up step done once for this database (e.g. the demo accounts): never again."""

    key = models.CharField(max_length=40, unique=True)
    done_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.key} {self.done_at:%Y-%m-%d %H:%M}"
