"""Enumerations of the corridors app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    RAIL = "rail", _("Rail")
    SEA = "sea", _("Sea")
    RIVER = "river", _("River")
    ROAD = "road", _("Road")


# The colour of each transport mode on every map, legend, export and report.
MODE_COLOURS = {"rail": "#c0392b", "sea": "#1f78b4", "river": "#17a2b8", "road": "#8e44ad"}
