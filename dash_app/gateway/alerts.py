"""The alert list of the side column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.services.listing import alerts


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    kind_label: str
    subject: str
    reason: str
    state: str
    raised_at: datetime
    updated_at: datetime


def live_alerts(limit: int = 20) -> list[AlertView]:
    """Open and acknowledged alerts, newest first."""
    return [
        AlertView(
            a.pk,
            a.kind,
            a.get_kind_display(),
            a.subject_label or a.subject,
            a.reason,
            a.state,
            a.raised_at,
            a.updated_at,
        )
        for a in alerts(open_only=True)[:limit]
    ]
