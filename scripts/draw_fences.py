"""Redraw the Qinzhou and Beihai fences of data/gis/geofences.geojson from the published
anchorages (../shared/data/corridor/anchorages.csv, copied into data/gis/provenance/).

Run from the checkout: `python scripts/draw_fences.py`. Pure Python + shapely; it rewrites
only the features it draws (node QZ_PORT, and BH_PORT's old-harbour fences), keeping the
berth areas and every other fence as they are. Coordinates lon/lat WGS84, rounded to 1e-6
(the published box keeps its exact corners).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
FENCES = ROOT / "data" / "gis" / "geofences.geojson"
ANCHORAGES = ROOT / "data" / "gis" / "provenance" / "anchorages.csv"
MARGIN_DEG = 0.015  # about 1.5 km around what a port limit must contain


def circle(lon: float, lat: float, radius_m: float, points: int = 48):
    """A circle of `radius_m` metres around lon/lat (local equirectangular, fine at 2 km)."""
    dlon = radius_m / (111_320.0 * math.cos(math.radians(lat)))
    dlat = radius_m / 110_574.0
    ring = [
        (
            lon + dlon * math.cos(2 * math.pi * i / points),
            lat + dlat * math.sin(2 * math.pi * i / points),
        )
        for i in range(points)
    ]
    return shape({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def rounded(geom) -> dict:
    data = mapping(geom.simplify(0.00005))
    return {
        "type": "Polygon",
        "coordinates": [[[round(x, 6), round(y, 6)] for x, y in data["coordinates"][0]]],
    }


def main() -> None:
    published = {row["code"]: row for row in csv.DictReader(ANCHORAGES.open(encoding="utf-8"))}
    doc = json.loads(FENCES.read_text())
    features = doc["features"]

    def find(node: str, kind: str, name: str) -> dict:
        return next(
            f
            for f in features
            if f["properties"]["node"] == node
            and f["properties"]["kind"] == kind
            and f["properties"]["name"] == name
        )

    # Qinzhou: No. 1 anchorage (a published box), the temporary anchorage (a published
    # point and area), the port limit around them and the berths.
    q1 = published["QZ_ANCH1"]
    no1 = box(
        float(q1["lon_min"]), float(q1["lat_min"]), float(q1["lon_max"]), float(q1["lat_max"])
    )
    qt = published["QZ_ANCH_TMP"]
    radius = math.sqrt(float(qt["area_km2"]) * 1e6 / math.pi)
    temporary = circle(float(qt["lon"]), float(qt["lat"]), radius)
    berth = shape(find("QZ_PORT", "berth", "QZ_PORT berth")["geometry"])
    anchorage = find("QZ_PORT", "anchorage", "QZ_PORT anchorage")
    anchorage["geometry"] = rounded(no1)
    anchorage["properties"].update(
        approximate=True,
        basis=(
            "Qinzhou Port No. 1 anchorage as published: E108°35′00″-108°37′29.7″, "
            "N21°23′05.2″-21°25′26.6″ (Guangxi coastal environmental function zoning, item "
            "(15) GX039DⅢ). The text states no datum (taken as WGS84) and dates from the "
            "2000s: the anchorage may since have been re-designated."
        ),
    )
    tmp_name = "QZ_PORT temporary anchorage"
    try:
        tmp_feature = find("QZ_PORT", "anchorage", tmp_name)
    except StopIteration:
        tmp_feature = {
            "type": "Feature",
            "properties": {"node": "QZ_PORT", "kind": "anchorage", "name": tmp_name},
        }
        features.insert(features.index(anchorage) + 1, tmp_feature)
    tmp_feature["geometry"] = rounded(temporary)
    tmp_feature["properties"].update(
        approximate=True,
        basis=(
            f"Qinzhou Port temporary anchorage: a circle of the published area (6 km², radius "
            f"{radius:,.0f} m) around the published reference point E108°30′51″, N21°29′28″ "
            "(same zoning text, item (16) GX040DⅢ); its shape is not published."
        ),
    )
    limit = find("QZ_PORT", "port_limit", "QZ_PORT port_limit")
    limit["geometry"] = rounded(unary_union([berth, no1, temporary]).convex_hull.buffer(MARGIN_DEG))
    limit["properties"].update(
        approximate=True,
        basis=(
            "Not the port's limit (not published): the convex hull of the berth area and the "
            "two published anchorages with a 1.5 km margin, so that every published "
            "anchorage lies inside it."
        ),
    )

    # Beihai (old harbour): the outer quarantine anchorage's light buoy No. 0 is published;
    # the anchorage's extent is not.
    b = published["BH_ANCH"]
    buoy = circle(float(b["lon"]), float(b["lat"]), 2000.0)
    bh_berth = shape(find("BH_PORT", "berth", "BH_PORT berth")["geometry"])
    bh_anchorage = find("BH_PORT", "anchorage", "BH_PORT anchorage")
    bh_anchorage["geometry"] = rounded(buoy)
    bh_anchorage["properties"].update(
        approximate=True,
        basis=(
            "Beihai outer quarantine anchorage: a 2 km circle around its published light buoy "
            "No. 0 (21°21′20.8″N 109°00′06.8″E; a nautical description of the 1990s, low "
            "confidence). The anchorage's own limits are not published."
        ),
    )
    bh_limit = find("BH_PORT", "port_limit", "BH_PORT port_limit")
    bh_limit["geometry"] = rounded(unary_union([bh_berth, buoy]).convex_hull.buffer(MARGIN_DEG))
    bh_limit["properties"].update(
        approximate=True,
        basis=(
            "Not the port's limit (not published): the convex hull of the berth area and the "
            "published outer anchorage (2 km around its buoy) with a 1.5 km margin."
        ),
    )
    FENCES.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"draw_fences: {FENCES.relative_to(ROOT)} rewritten ({len(features)} fences)")


if __name__ == "__main__":
    main()
