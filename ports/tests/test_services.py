"""Published figures and the latest figure per node."""

from datetime import date
from decimal import Decimal

import pytest

from geo.models import Node

from ..models import ThroughputReport
from ..services.throughput import latest_year_figures

pytestmark = pytest.mark.django_db


def test_latest_year_is_each_nodes_own_and_a_member_names_its_group():
    latest = latest_year_figures("teu")
    assert latest["BBG"] == {
        "value": Decimal("10000000.00"),
        "year": 2025,
        "qualifier": ">=",
        "covered_by": None,
    }
    # A member of the Beibu Gulf Port group: no number of its own, the group named.
    assert latest["QZ_PORT"] == {"value": None, "year": None, "qualifier": "", "covered_by": "BBG"}
    assert latest["CQ"]["value"] == Decimal("327700.00") and latest["CQ"]["year"] == 2025
    # CQ_GY has only a quarter (2022 Q1): no complete year, no figure.
    assert "HH" not in latest and "CQ_GY" not in latest


def test_only_official_figures_count():
    """An approved report becomes the official figure; a rejected one never counts."""
    from django.contrib.auth import get_user_model

    from ..services.reporting import review_figure, submit_figures

    users = get_user_model().objects
    node = Node.objects.get(code="QZ_PORT")
    month = {"node": "QZ_PORT", "metric": "teu", "unit": "teu", "value": "900000"}
    batch, _ = submit_figures(
        users.get(username="operator"), [(1, {**month, "period": "2025-12"})], "api"
    )
    report = ThroughputReport.objects.get(upload=batch)
    assert not ThroughputReport.objects.effective().filter(pk=report.pk).exists()
    review_figure(report.pk, users.get(username="official"), approve=True, comment="checked")
    assert ThroughputReport.objects.effective().filter(pk=report.pk, node=node).exists()
    # A correction that is rejected leaves the approved figure official.
    fix, _ = submit_figures(
        users.get(username="operator"),
        [(1, {**month, "period": "2025-12", "value": "1"})],
        "api",
        confirm_warnings=True,
    )
    wrong = ThroughputReport.objects.get(upload=fix)
    review_figure(wrong.pk, users.get(username="official"), approve=False, comment="typo?")
    official = ThroughputReport.objects.effective().get(node=node, period_start=date(2025, 12, 1))
    assert official.pk == report.pk and official.value == Decimal("900000")
    wrong.refresh_from_db()
    assert (wrong.status, wrong.review_comment, wrong.current) == ("rejected", "typo?", True)
