"""Model pieces the apps share, and core's one table: the versions of the tables that map
layers read (for HTTP caching, see core.layercache)."""

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


class TableVersion(models.Model):
    """How many write statements a watched table has seen, and when the last one ran;
    bumped by a statement trigger on the table (see core.layercache.watch_sql)."""

    table_name = models.CharField(max_length=63, primary_key=True)
    version = models.BigIntegerField()
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.table_name} v{self.version}"
