"""Published figures and the latest figure per node."""

from datetime import date
from decimal import Decimal

import pytest

from geo.models import Node
from ports.models import ThroughputReport
from ports.services.throughput import latest_yearly_values

pytestmark = pytest.mark.django_db


def test_latest_yearly_teu_with_group_fallback():
    latest = latest_yearly_values("teu")
    assert latest["BBG"] == (Decimal("10000000.00"), 2025, ">=")
    assert latest["QZ_PORT"] == latest["BBG"]  # member of the Beibu Gulf Port group
    assert latest["CQ"] == (Decimal("327700.00"), 2025, "")
    assert "HH" not in latest


def test_revisions_and_rejections_do_not_count():
    old = ThroughputReport.objects.get(node__code="CQ", metric="teu", period_end=date(2025, 12, 31))
    ThroughputReport.objects.create(
        node=Node.objects.get(code="CQ"),
        metric="teu",
        period_kind="year",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        value=330000,
        source="operator",
        status="approved",
        supersedes=old,
    )
    ThroughputReport.objects.create(
        node=Node.objects.get(code="CQ"),
        metric="teu",
        period_kind="year",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        value=1,
        source="operator",
        status="rejected",
    )
    assert latest_yearly_values("teu")["CQ"][:2] == (Decimal("330000.00"), 2025)
