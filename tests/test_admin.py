"""Admin pages work offline: map widgets use the vendored OpenLayers and bundled basemap."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, login_as):

    return login_as(client, "admin")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/geo/node/",
        "/admin/corridors/route/",
        "/admin/ports/throughputreport/",
        "/admin/geo/nodeservice/",
        "/admin/corridors/routesegment/",
    ],
)
def test_admin_lists(admin, path):
    assert admin.get(path).status_code == 200


def test_node_change_page_has_an_offline_map(admin):
    from geo.models import Node

    node = Node.objects.get(code="QZ_PORT")
    html = admin.get(f"/admin/geo/node/{node.pk}/change/").content.decode()
    assert "/static/vendor/ol/ol.js" in html and "/api/basemap/land/" in html
    assert "cdn.jsdelivr" not in html and "earthdata" not in html


def test_segment_save_recomputes_length(admin):
    from django.contrib.gis.geos import LineString

    from corridors.models import RouteSegment

    seg = RouteSegment.objects.get(route__code="E", seq=1)
    page = admin.get(f"/admin/corridors/routesegment/{seg.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    # The widget posts GeoJSON in the map's projection (EPSG:3857), as OpenLayers draws it.
    line = LineString([(106.45, 29.54), (108, 28), (109.99, 27.56)], srid=4326)
    line.transform(3857)
    data.update(
        route=seg.route_id,
        from_node=seg.from_node_id,
        to_node=seg.to_node_id,
        geom=line.json,
        schematic="on",
    )
    data.pop("length_m", None)
    response = admin.post(f"/admin/corridors/routesegment/{seg.pk}/change/", data)
    assert response.status_code == 302, response.content[:500]
    seg.refresh_from_db()
    assert len(seg.geom.coords) == 3 and 400_000 < seg.length_m < 500_000


def test_rule_edit_in_the_admin_saves_a_new_version(admin):
    from portcalls.models import DetectionRule

    rule = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    data = {
        "speed_kn": "0.7",
        "min_stay_s": rule.min_stay_s,
        "gap_timeout_s": rule.gap_timeout_s,
        "exit_hysteresis_m": rule.exit_hysteresis_m,
        "note": "tighter",
    }
    response = admin.post(f"/admin/portcalls/detectionrule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content[:500]
    current = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    assert (current.version, current.speed_kn, current.origin) == (rule.version + 1, 0.7, "user")
    rule.refresh_from_db()
    assert rule.valid_to is not None and rule.speed_kn == 1.0  # the old version is kept
    # A past version is history: its values cannot be edited.
    page = admin.get(f"/admin/portcalls/detectionrule/{rule.pk}/change/")
    assert "speed_kn" not in page.context["adminform"].form.fields
