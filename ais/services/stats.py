"""AIS ingest health figures: what was received, and the recomputes late positions asked
for (the AIS stats API and the /metrics gauge read them here)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max, Sum

from ..models import AisSource, PortCallRecompute


def received_totals() -> tuple[int, datetime | None]:
    """(positions received, the newest message's time) over every AIS source."""
    got = AisSource.objects.aggregate(positions=Sum("positions"), last=Max("last_message_at"))
    return int(got["positions"] or 0), got["last"]


def recomputes_by_state() -> dict[str, int]:
    """The port-call recomputes late positions asked for, counted by state (the AIS stats
    and the `cw_portcall_recomputes` gauge)."""
    rows = PortCallRecompute.objects.values_list("state").annotate(n=Count("id")).order_by()
    return {state: n for state, n in rows}
