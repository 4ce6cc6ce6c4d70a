"""Enumerations of the corridors app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    RAIL = "rail", _("Rail")
    SEA = "sea", _("Sea")
    RIVER = "river", _("River")
    ROAD = "road", _("Road")
