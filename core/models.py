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


class ProcessBeat(models.Model):
    """The last sign of life of a long-running process (the AIS ingester, the port-call
    follower, the export worker, the periodic commands): when it last beat, how often it
    should, and its counters then. `/healthz` names a process late when its beat is older
    than three of its intervals; `/metrics` reads the counters (core.heartbeat)."""

    name = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    every_s = models.FloatField(help_text="seconds between beats")
    counters = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ColumnProfile(models.Model):
    """A column mapping a user saved once, so a CSV export of another system loads as it
    comes: which column is which field, how times are written (format, time zone) and the
    units. `kind` says what it reads (AIS positions; rail and container events);
    `mapping` is checked by the reader of that kind before it is saved."""

    class Kind(models.TextChoices):
        AIS = "ais", _("AIS positions and static data")
        RAIL = "rail", _("Rail and container events")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.SlugField(max_length=64)
    label = models.CharField(max_length=200, blank=True)
    mapping = models.JSONField()
    created_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="core_profile_name")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .profiles import problems

        found = problems(self.kind, self.name, self.mapping)
        if found:
            raise ValidationError({"mapping": found})


class ReadPin(models.Model):
    """The primary's WAL position after a user's last write: their long reads stay on the
    primary until the read replica has replayed past it (core.replica)."""

    user_id = models.BigIntegerField(primary_key=True)
    lsn = models.CharField(max_length=32)
    at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"user {self.user_id} at {self.lsn}"
