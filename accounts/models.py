"""Users' roles and the nodes an operator may report for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICIAL = "official", _("Logistics official")
    OPERATOR = "operator", _("Port operator")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")


class Profile(models.Model):
    """A user's role; an operator is bound to the nodes whose figures it may touch."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OFFICIAL)
    nodes = models.ManyToManyField("geo.Node", blank=True, related_name="operators")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"
