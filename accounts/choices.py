"""Enumerations of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICIAL = "official", _("Logistics official")
    OPERATOR = "operator", _("Port operator")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("System administrator")
    SECURITY = "security", _("Security administrator")
    AUDITOR = "auditor", _("Audit administrator")
