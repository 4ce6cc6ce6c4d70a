"""Build the basemap's political layers from China's point of view (issue 18, item 1).

Run by hand when a source changes (`make pov-basemap`); the outputs are committed under
data/gis/basemap/ and loaded by `manage.py load_corridor` like every basemap layer.

Sources (all Natural Earth, public domain; see data/gis/README.md):
- `country_borders.geojson`: 1:50m land boundaries, Natural Earth's de facto worldview;
- `countries_110m.geojson`: 1:110m country polygons (the old box);
- `sources/ne_50m_claim_eastern_sector.geojson`: the China-India eastern-sector claim line
  (Natural Earth's 1:50m disputed-area lines, feature class "Claim");
- `sources/ne_10m_maritime_indicator_chn.geojson`: the dashed line in the South China Sea
  (Natural Earth's China point-of-view maritime indicator, FCLASS_CN "International
  boundary");
- `sources/labels_chn.csv`: standard names (zh-Hans and English) and label points of the
  countries, Taiwan Island, the South China Sea island groups and Diaoyu Dao.

What changes from the de facto worldview:
- the area south of the McMahon line up to the claim line (藏南) is China's: the claim line
  becomes the boundary and the McMahon segment between the Bhutan and Myanmar tripoints is
  dropped;
- Taiwan is part of China (one polygon, no separate country name);
- the maritime line and the island groups are drawn.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, polygonize, snap, split, unary_union

ROOT = Path(__file__).resolve().parent.parent
BASEMAP = ROOT / "data" / "gis" / "basemap"
SOURCES = BASEMAP / "sources"
INSIDE_EASTERN_SECTOR = Point(94.0, 28.0)  # a point south of the McMahon line, north of the claim
COUNTRY_NAMES_ZH = {
    "BGD": "孟加拉国",
    "BRN": "文莱",
    "BTN": "不丹",
    "CHN": "中国",
    "IDN": "印度尼西亚",
    "IND": "印度",
    "KHM": "柬埔寨",
    "LAO": "老挝",
    "MMR": "缅甸",
    "MNG": "蒙古国",
    "MYS": "马来西亚",
    "PHL": "菲律宾",
    "PRK": "朝鲜",
    "THA": "泰国",
    "VNM": "越南",
}


def _features(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["features"])


def _rounded(geom: BaseGeometry) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), 4), round(float(c[1]), 4)]
        return [walk(x) for x in c]

    g = mapping(geom)
    return {"type": g["type"], "coordinates": walk(g["coordinates"])}


def _write(name: str, features: list[dict[str, Any]]) -> None:
    body = {"type": "FeatureCollection", "features": features}
    (BASEMAP / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    print(f"{name}: {len(features)} features")


def eastern_sector(borders: list[BaseGeometry], claim: BaseGeometry) -> tuple[Any, Any, Any]:
    """The area between the McMahon line and the claim line, the claim line snapped onto
    the borders it ends on, and the McMahon segment (the longest stretch of the area's
    outline between two tripoints, apart from the claim line)."""
    network = unary_union(borders)
    claim = snap(claim, network, 1e-4)
    noded = unary_union([*borders, claim])
    faces = [f for f in polygonize(noded) if f.contains(INSIDE_EASTERN_SECTOR)]
    if len(faces) != 1:
        sys.exit(f"the eastern sector is not one closed area ({len(faces)} found)")
    area = faces[0]
    outline = linemerge(area.exterior.difference(claim.buffer(1e-6)))
    others = [g for g in noded.geoms if not g.within(area.exterior.buffer(1e-6))]
    tripoints = unary_union([g.intersection(outline) for g in others if g.intersects(outline)])
    pieces = split(snap(outline, tripoints, 1e-6), tripoints)
    mcmahon = max(pieces.geoms, key=lambda p: p.length)
    return area, claim, mcmahon


def main() -> None:
    borders = [shape(f["geometry"]) for f in _features(BASEMAP / "country_borders.geojson")]
    claim = shape(_features(SOURCES / "ne_50m_claim_eastern_sector.geojson")[0]["geometry"])
    area, claim, mcmahon = eastern_sector(borders, claim)
    print(
        f"eastern sector: {area.area:.2f} sq deg; McMahon segment dropped: {mcmahon.length:.2f} deg"
    )

    # Boundaries: every de facto line except the McMahon segment, plus the claim line.
    kept = unary_union([*borders, claim]).difference(mcmahon.buffer(1e-6))
    merged = linemerge(kept)
    lines = list(merged.geoms) if hasattr(merged, "geoms") else [merged]
    _write(
        "borders_chn.geojson",
        [
            {"type": "Feature", "properties": {}, "geometry": _rounded(line)}
            for line in lines
            if line.length > 1e-4
        ],
    )

    # Countries: Taiwan and the eastern sector in China, the sector out of India.
    countries: dict[str, tuple[str, BaseGeometry]] = {}
    for f in _features(BASEMAP / "countries_110m.geojson"):
        p = f["properties"]
        countries[p["ADM0_A3"]] = (p["NAME"], shape(f["geometry"]))
    taiwan = countries.pop("TWN")[1]
    name, china = countries["CHN"]
    countries["CHN"] = (name, unary_union([china, taiwan, area]).buffer(0))
    name, india = countries["IND"]
    countries["IND"] = (name, india.difference(area).buffer(0))
    out = []
    for code, (name, geom) in sorted(countries.items()):
        if geom.geom_type == "Polygon":
            geom = MultiPolygon([geom])
        out.append(
            {
                "type": "Feature",
                "properties": {"ADM0_A3": code, "name": name, "name_zh": COUNTRY_NAMES_ZH[code]},
                "geometry": _rounded(geom),
            }
        )
    _write("countries_chn.geojson", out)

    # The maritime line, as published (one feature per dash).
    _write(
        "maritime_chn.geojson",
        [
            {
                "type": "Feature",
                "properties": {"name": "Maritime boundary line", "name_zh": "海上界线"},
                "geometry": _rounded(shape(f["geometry"])),
            }
            for f in _features(SOURCES / "ne_10m_maritime_indicator_chn.geojson")
        ],
    )

    # Labels: standard names at their points.
    with (SOURCES / "labels_chn.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    _write(
        "labels_chn.geojson",
        [
            {
                "type": "Feature",
                "properties": {"name": r["name_en"], "name_zh": r["name_zh"], "kind": r["kind"]},
                "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            }
            for r in rows
        ],
    )


if __name__ == "__main__":
    main()
