"""Port figures: throughput reports of nodes and the uploads that brought them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import Seeded
from geo.models import Node

from .choices import (
    METRIC_UNITS,
    CargoClass,
    Channel,
    Direction,
    Laden,
    Metric,
    PeriodKind,
    Qualifier,
    Source,
    Status,
    Trade,
    Unit,
)
from .querysets import ThroughputQuerySet


class UploadBatch(models.Model):
    """One submission of figures: a web form, a file (CSV/XLSX) or an API call. A batch is
    stored whole or not at all; a file is first previewed (`state` previewed), then
    committed. `errors` and `warnings` are the row-level findings shown to the user."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        COMMITTED = "committed", _("Committed")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    content = models.BinaryField(blank=True, default=b"", editable=False)  # until committed
    expected = models.JSONField(default=dict, blank=True)  # figure ids the preview showed
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.file_name or ''} {self.created_at:%Y-%m-%d %H:%M}"


# What identifies a figure: the same key with a new value is a revision of it.
FIGURE_KEY = (
    "node",
    "period_kind",
    "period_start",
    "period_end",
    "metric",
    "trade",
    "direction",
    "cargo_class",
    "laden",
    "reporting_entity",
    "source",
)


class ThroughputReport(Seeded):
    """A throughput figure of a node for a period (dates inclusive, UTC calendar days).

    `value` is in `unit`, the unit its `metric` is counted in (TEU, tonnes, trains...; a
    check constraint keeps them together). The breakdown: `trade` (foreign, domestic),
    `direction` (in, out, transshipment), `cargo_class`, `laden` (TEU); "total"/"all" where
    a figure is not broken down. Published figures keep their `source_url` and the
    `reporting_entity` that gave them (whole port vs listed company differ); `qualifier`
    keeps ">=" for figures reported as "more than".

    Revisions: a correction is a new row of the same key (FIGURE_KEY) pointing to the one
    it replaces (`supersedes`); exactly one row per key is `current` (the last word of its
    reporter). Operators' figures are `submitted` until an official approves or rejects them
    (`reviewed_by`, `_at`, `review_comment`); the approved revision that counts is
    `official` (at most one per key; published figures are official from the seed): a
    rejected correction leaves the earlier approved figure official."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="throughput")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    metric = models.CharField(max_length=12, choices=Metric.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    trade = models.CharField(max_length=8, choices=Trade.choices, default=Trade.TOTAL)
    direction = models.CharField(max_length=13, choices=Direction.choices, default=Direction.TOTAL)
    cargo_class = models.CharField(
        max_length=12, choices=CargoClass.choices, default=CargoClass.ALL
    )
    laden = models.CharField(max_length=5, choices=Laden.choices, default=Laden.TOTAL)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    qualifier = models.CharField(max_length=2, choices=Qualifier.choices, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices)
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.SEED)
    source_url = models.URLField(max_length=500, blank=True)
    reporting_entity = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    note = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text=_("Why this revision replaces the last"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    official = models.BooleanField(default=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_figures",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    upload = models.ForeignKey(
        UploadBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="figures"
    )
    warnings_confirmed = models.JSONField(default=list, blank=True)

    objects = ThroughputQuerySet.as_manager()

    class Meta:
        ordering = ["node__code", "metric", "-period_end"]
        indexes = [models.Index(fields=["node", "metric", "period_end"])]
        permissions = [("review_throughputreport", "Can approve or reject reported figures")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="throughput_value_gte_0"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="throughput_period_order"
            ),
            models.CheckConstraint(
                condition=Q(
                    *(Q(metric=metric, unit=unit) for metric, unit in METRIC_UNITS.items()),
                    _connector=Q.OR,
                ),
                name="throughput_unit_of_metric",
            ),
            models.UniqueConstraint(
                fields=list(FIGURE_KEY),
                condition=Q(current=True),
                name="one_current_figure_per_key",
            ),
            models.UniqueConstraint(
                fields=list(FIGURE_KEY),
                condition=Q(official=True),
                name="one_official_figure_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.code} {self.metric} {self.period_start}..{self.period_end}"


class PortAlias(models.Model):
    """A port's name as a statistics table writes it (交通运输部: 北部湾港, 重庆...) and the
    node it stands for. Seeded with the corridor's ports (`ports.services.mot`); more are
    added in the admin when an import lists a name it could not map."""

    name = models.CharField(max_length=64, unique=True)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="aliases")
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} -> {self.node_id}"
