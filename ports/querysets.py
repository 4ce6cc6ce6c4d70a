"""Throughput queries as QuerySet methods."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet


class ThroughputQuerySet(QuerySet):
    def effective(self) -> ThroughputQuerySet:
        """Figures that count: not rejected and not replaced by a later revision."""
        return self.exclude(status="rejected").filter(superseded_by__isnull=True)

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
