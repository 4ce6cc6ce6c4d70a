"""Port figures: throughput reports per node and period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from geo.models import Node

from .choices import Flow, Metric, PeriodKind, Qualifier, Source, Status
from .querysets import ThroughputQuerySet


class ThroughputReport(models.Model):
    """A throughput figure of a node for a period (dates inclusive, UTC calendar days).

    `value` is in the unit its `metric` names (TEU, tonnes, trains...). Published figures
    keep their `source_url` and the `reporting_entity` that gave them (whole port vs listed
    company differ); `qualifier` keeps ">=" for figures reported as "more than". A revision
    points to the report it replaces through `supersedes`.
    """

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="throughput")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    metric = models.CharField(max_length=12, choices=Metric.choices)
    flow = models.CharField(max_length=8, choices=Flow.choices, default=Flow.TOTAL)
    cargo_class = models.CharField(max_length=40, blank=True)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    qualifier = models.CharField(max_length=2, choices=Qualifier.choices, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices)
    source_url = models.URLField(max_length=500, blank=True)
    reporting_entity = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    note = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    objects = ThroughputQuerySet.as_manager()

    class Meta:
        ordering = ["node__code", "metric", "-period_end"]
        indexes = [models.Index(fields=["node", "metric", "period_end"])]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="throughput_value_gte_0"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="throughput_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.code} {self.metric} {self.period_start}..{self.period_end}"
