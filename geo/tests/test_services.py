"""Coverage and service history on the seed data in real PostGIS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from geo.models import DigitalServiceCategory, Node, NodeService
from geo.services.coverage import compute_coverage
from geo.services.nodes import record_node_service

pytestmark = pytest.mark.django_db


def test_sea_port_score_is_weighted_share_of_all_categories():
    cov = compute_coverage()["QZ_PORT"]
    # Sea ports are scored on all 12 categories: automation (node_services.csv), smart
    # border clearance (service_evidence.csv, China Customs magazine, high confidence) and
    # intelligent tally (a pilot since 2021, operational by a statement of 2022-10-25) full
    # (1 each), three partial (0.5).
    assert len(cov.applicable) == 12
    assert cov.services["terminal_automation"].level == "full"
    assert cov.services["smart_border"].level == "full"
    assert cov.services["intelligent_tally"].level == "full"
    assert cov.score == pytest.approx((3 + 3 * 0.5) / 12, abs=1e-4)
    assert cov.assessed


def test_border_crossing_is_scored_only_on_categories_that_apply():
    cov = compute_coverage()["YYG"]
    assert "terminal_automation" not in cov.applicable
    assert {"smart_border", "smart_gate", "single_window"} <= set(cov.applicable)
    # Smart border full, 5G piloted (service_evidence.csv): (1 + 0.5) over what applies.
    assert cov.score == pytest.approx(1.5 / len(cov.applicable), abs=1e-4)


def test_weights_change_the_score():
    DigitalServiceCategory.objects.filter(code="terminal_automation").update(weight=4)
    cov = compute_coverage()["QZ_PORT"]
    assert cov.score == pytest.approx((4 * 1 + 1 + 1 + 3 * 0.5) / (11 + 4), abs=1e-4)


def test_node_without_evidence_is_unassessed():
    cov = compute_coverage()["HH"]
    assert cov.score == 0 and not cov.assessed


def test_recording_a_service_keeps_history():
    node = Node.objects.get(code="BH_PORT")
    category = DigitalServiceCategory.objects.get(code="smart_gate")
    before = timezone.now()
    record_node_service(node, category, "full", evidence_url="https://example.org/gate")
    rows = NodeService.objects.filter(node=node, category=category).order_by("valid_from")
    assert [r.level for r in rows] == ["partial", "full"]
    assert rows[0].valid_to is not None and rows[1].valid_to is None
    now_cov = compute_coverage([node])["BH_PORT"]
    then_cov = compute_coverage([node], as_of=before - timedelta(microseconds=1))["BH_PORT"]
    assert now_cov.services["smart_gate"].level == "full"
    assert then_cov.services["smart_gate"].level == "partial"
    assert now_cov.score > then_cov.score


def test_node_querysets():
    beibu = set(Node.objects.within_bbox(108.0, 21.3, 109.3, 22.0).values_list("code", flat=True))
    assert {"QZ_PORT", "BH_PORT", "FCG_PORT", "QZ_EAST"} <= beibu
    assert "NN" not in beibu
    assert set(Node.objects.of_kind("border_crossing_road").values_list("code", flat=True)) == {
        "YYG",
        "DX",
    }
    assert not Node.objects.mapped().filter(kind="port_group").exists()
