"""Trust (issue 7): fence edits are applied field by field or refused naming the field, on the
API and in the admin alike; node and route codes are slugs."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from geo.models import Geofence, Node
from tests.support import SQUARE, api_client, qinzhou_berth

pytestmark = pytest.mark.django_db


# --- 2: edits applied or refused by name --------------------------------------------------


def test_fence_patch_applies_every_field_given():
    official = api_client("official")
    fence = qinzhou_berth()
    url = f"/api/geofences/{fence.pk}/"
    body = official.patch(
        url,
        {"name": "Qinzhou container berths", "basis": "surveyed 2026", "approximate": False},
        format="json",
    )
    assert body.status_code == 200, body.content
    new = Geofence.objects.get(pk=body.json()["properties"]["id"])
    assert (new.name, new.basis, new.approximate, new.version) == (
        "Qinzhou container berths",
        "surveyed 2026",
        False,
        fence.version + 1,
    )
    # A bare geometry member, and a GeoJSON Feature, both move the fence.
    bare = official.patch(f"/api/geofences/{new.pk}/", {"geometry": SQUARE}, format="json")
    assert bare.status_code == 200 and bare.json()["geometry"]["coordinates"][0][1] == [
        108.62,
        21.68,
    ]
    feature = {"type": "Feature", "geometry": SQUARE, "properties": {"kind": "anchorage"}}
    latest = Geofence.objects.current().get(seed_key=fence.seed_key)
    moved = official.patch(f"/api/geofences/{latest.pk}/", feature, format="json")
    assert moved.status_code == 200 and moved.json()["properties"]["kind"] == "anchorage"
    # Sending back what was read changes nothing and adds no version.
    again = official.get(f"/api/geofences/{moved.json()['properties']['id']}/").json()
    same = official.patch(f"/api/geofences/{again['properties']['id']}/", again, format="json")
    assert same.status_code == 200 and same.json()["properties"]["version"] == fence.version + 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"version": 99}, "version"),
        ({"node": "BH_PORT"}, "node"),
        ({"geometry": {"type": "Point", "coordinates": [108, 21]}}, "geom"),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            },
            "geom",
        ),
        ({"kind": "harbour"}, "kind"),
        ({"type": "Feature", "geometry": SQUARE, "properties": {}, "style": {}}, "style"),
    ],
)
def test_fence_fields_not_accepted_are_400_naming_them(payload, field):
    fence = qinzhou_berth()
    response = api_client("official").patch(f"/api/geofences/{fence.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert qinzhou_berth().version == fence.version  # nothing written


def test_admin_fence_edit_goes_through_the_same_service(login_as):
    from django.test import Client

    admin = login_as(Client(), "admin")
    fence = qinzhou_berth()
    page = admin.get(f"/admin/geo/geofence/{fence.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "geom"}
    data.update(name="Renamed in the admin", geom=json.dumps(SQUARE), kind="berth")
    data.pop("node", None)
    response = admin.post(f"/admin/geo/geofence/{fence.pk}/change/", data)
    assert response.status_code == 302, response.content[:800]
    new = Geofence.objects.current().get(seed_key=fence.seed_key)
    assert (new.name, new.version, new.origin) == (
        "Renamed in the admin",
        fence.version + 1,
        "user",
    )


# --- 15: codes are slugs ------------------------------------------------------------------


@pytest.mark.parametrize("code", ['X" onerror="alert(1)', "qz port", "<b>", "A" * 40])
def test_node_and_route_codes_must_be_slugs(code):
    node = Node.objects.get(code="NN")
    node.code = code
    with pytest.raises(ValidationError):
        node.full_clean()
    from corridors.models import Route

    route = Route.objects.first()
    route.code = code
    with pytest.raises(ValidationError):
        route.full_clean()
