"""Trust (issue 7): users' edits survive every seed load; only `load_corridor --reset` brings
the seed back."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.management import CommandError, call_command

from geo.models import Node
from geo.services.nodes import update_node
from portcalls.models import DetectionRule
from tests.support import SQUARE, api_client, qinzhou_berth, seed_fence

pytestmark = pytest.mark.django_db


# --- 1: the seed seeds ------------------------------------------------------------------


def make_edits() -> dict:
    """An official moves a berth fence and changes a rule (API); an administrator renames
    a node (the admin's service)."""
    official = api_client("official")
    fence = qinzhou_berth()
    moved = official.patch(f"/api/geofences/{fence.pk}/", {"geometry": SQUARE}, format="json")
    assert moved.status_code == 200, moved.content
    ruled = official.post("/api/ports/QZ_PORT/rules/", {"speed_kn": 0.5}, format="json")
    assert ruled.status_code == 200, ruled.content
    update_node(Node.objects.get(code="NN"), {"name_en": "Nanning (edited)"})
    return {"fence_version": qinzhou_berth().version}


def setup_twice() -> None:
    """What each `make run` does to the data: load the seed, make the demo accounts."""
    for _ in range(2):
        call_command("load_corridor", stdout=StringIO())
        call_command("demo_accounts", "create", stdout=StringIO(), stderr=StringIO())


def test_user_edits_survive_make_run_twice():
    edits = make_edits()
    setup_twice()
    fence = qinzhou_berth()
    assert fence.version == edits["fence_version"] and fence.origin == "user"
    assert fence.geom.equals_exact(Polygon(*SQUARE["coordinates"], srid=4326), 1e-9)
    rule = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    assert (rule.speed_kn, rule.origin) == (0.5, "user")
    node = Node.objects.get(code="NN")
    assert (node.name_en, node.origin) == ("Nanning (edited)", "user")
    out = StringIO()
    call_command("load_corridor", stdout=out)
    assert "user edits kept" in out.getvalue()


def test_reset_restores_the_seed_only_when_asked():
    make_edits()
    with pytest.raises(CommandError, match="confirmation"):
        call_command("load_corridor", "--reset", stdout=StringIO())  # no terminal to ask
    assert qinzhou_berth().origin == "user"  # nothing changed
    out = StringIO()
    call_command("load_corridor", "--reset", "--yes", stdout=out)
    listed = out.getvalue()
    assert "geofence QZ_PORT/berth/QZ_PORT berth" in listed
    assert "node NN" in listed and "detection rule QZ_PORT" in listed
    seed = GEOSGeometry(seed_fence("QZ_PORT berth").geom.wkt, srid=4326)
    fence = qinzhou_berth()
    assert fence.origin == "seed" and fence.geom.equals_exact(seed, 1e-9)
    assert Node.objects.get(code="NN").name_en != "Nanning (edited)"
    rule = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    assert (rule.speed_kn, rule.origin) == (1.0, "seed")
