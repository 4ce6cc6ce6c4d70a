"""Throughput queries as QuerySet methods."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.gis.db.models import QuerySet


class ThroughputQuerySet(QuerySet[Any]):
    def effective(self) -> ThroughputQuerySet:
        """Figures that count: the official (approved) revision of each figure."""
        return self.filter(official=True)

    def pending(self) -> ThroughputQuerySet:
        """Figures waiting for an official's review: the last revision, submitted."""
        return self.filter(current=True, status="submitted")

    def whole(self, metric: str) -> ThroughputQuerySet:
        """Figures of `metric` for the whole flow (all trades, directions, cargo classes,
        laden and empty: TEU may be given as all cargo or as containers): the figures a
        total adds up (ports.services.totals)."""
        return self.filter(
            metric=metric,
            trade="total",
            direction="total",
            cargo_class__in=["all", "container"] if metric == "teu" else ["all"],
            laden="total",
        )

    def between(self, start: date, end: date) -> ThroughputQuerySet:
        """Figures whose period overlaps [start, end] (inclusive days)."""
        return self.filter(period_start__lte=end, period_end__gte=start)

    def latest_yearly(self, metric: str) -> ThroughputQuerySet:
        """The newest full-year figure of `metric` per node (one row per node)."""
        return (
            self.effective()
            .filter(metric=metric, period_kind="year")
            .order_by("node_id", "-period_end", "-created_at")
            .distinct("node_id")
        )
