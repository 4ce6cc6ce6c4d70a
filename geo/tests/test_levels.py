"""A service's level on a date is what the evidence says on that date, the same on every
surface: Qinzhou's intelligent tally is recorded as a pilot since 2021 and stated
operational on 2022-10-25 (data/gis/service_evidence.csv)."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from dash_app import gateway
from exports.services.layers import LAYERS, ExportParams
from geo.models import NodeService
from geo.services.coverage import compute_coverage

pytestmark = pytest.mark.django_db


def level(on: date | None) -> tuple[str, str]:
    service = compute_coverage(on=on)["QZ_PORT"].services["intelligent_tally"]
    return service.level, service.since


def test_the_level_follows_the_dated_evidence():
    with pytest.raises(KeyError):  # before the record's year: not in place
        compute_coverage(on=date(2020, 12, 31))["QZ_PORT"].services["intelligent_tally"]
    assert level(date(2022, 6, 30)) == ("partial", "2021")
    assert level(date(2022, 10, 25)) == ("full", "2022-10-25")
    assert level(None) == ("full", "2022-10-25")


def test_every_surface_says_the_same_level(login_as):
    panel = gateway.node_detail("QZ_PORT", "en")
    tally = next(s for s in panel.services if s.since == "2022-10-25")
    assert tally.level == "full" and tally.level_label == "Operational"
    matrix = gateway.coverage_matrix("en")
    codes = [code for code, _name in matrix.categories]
    row = next(r for r in matrix.rows if r[0] == "QZ_PORT")
    cell = row[3][codes.index("intelligent_tally")]
    assert (cell.level, cell.since) == ("full", "2022-10-25")
    api = login_as(APIClient(), "analyst")
    services = api.get("/api/nodes/QZ_PORT/").json()["properties"]["services"]
    found = next(s for s in services if s["category"] == "intelligent_tally")
    assert (found["level"], found["since"]) == ("full", "2022-10-25")
    (chunk,) = LAYERS["coverage"].rows(ExportParams(node="QZ_PORT"), 4326)
    i = chunk.values["category"].index("intelligent_tally")
    assert (chunk.values["level"][i], chunk.values["since"][i]) == ("full", "2022-10-25")


def test_a_users_edit_is_the_last_word_from_its_day():
    from geo.services.nodes import record_node_service

    service = NodeService.objects.get(
        node__code="QZ_PORT", category__code="intelligent_tally", valid_to__isnull=True
    )
    record_node_service(service.node, service.category, "partial", note="downgraded")
    assert compute_coverage()["QZ_PORT"].services["intelligent_tally"].level == "partial"
    # The past is still what the evidence said then.
    assert level(date(2023, 1, 1)) == ("full", "2022-10-25")
