"""Model pieces the apps share (abstract: core has no tables of its own)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    """Where a row's current values come from: the seed files or a user's edit."""

    SEED = "seed", _("Seed data")
    USER = "user", _("User edit")


class Seeded(models.Model):
    """A row the seed loader may create. `origin` is "seed" while the row holds what the
    seed files say and "user" once a user has edited it (or made it): the loader never
    overwrites a user's row; only `load_corridor --reset` brings the seed back."""

    origin = models.CharField(
        max_length=4, choices=Origin.choices, default=Origin.USER, editable=False
    )

    class Meta:
        abstract = True
