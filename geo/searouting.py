"""Sea routing on the bundled land mask: legs that follow navigable water, never land.

Pure and Django-free. A water grid is rasterised from the land polygons (with a clearance
so that lanes keep off the coast), the shortest 8-connected path between two ports is found
with A*, and the path is straightened wherever a straight line stays clear of land. A port
whose point lies inside the 1:50m land mask (a river or harbour port such as Ho Chi Minh
City) is joined to the nearest open water by a straight *harbour approach* of at most
`MAX_APPROACH_M`; everything between the two approaches is checked to stay off land.

Coordinates are lon/lat degrees (WGS84); distances are metres on the WGS84 sphere.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from core.geodesy import haversine_m, line_length_m

MAX_APPROACH_M = 50_000.0  # Ho Chi Minh City lies ~45 km up the Saigon river on this mask


class NoSeaRoute(ValueError):
    """No water path joins the two points on this grid."""


@dataclass(frozen=True)
class SeaLeg:
    """A routed sea leg: lon/lat coordinates from origin to destination, length in metres."""

    coords: tuple[tuple[float, float], ...]
    length_m: float
    approach_start_m: float
    approach_end_m: float


class SeaRouter:
    """Routes between sea points over the water of `land` (a (multi)polygon in lon/lat).

    `cell_deg` is the grid step in degrees; `clearance_deg` how far from land a grid cell
    centre must be to count as water; `smooth_clearance_deg` the margin kept by the
    straightened lines; `sea_seed` a point of open sea (water not connected to it, such as
    lakes and river pixels, is not navigable).
    """

    def __init__(
        self,
        land: BaseGeometry,
        bounds: tuple[float, float, float, float] | None = None,
        cell_deg: float = 0.05,
        clearance_deg: float = 0.02,
        smooth_clearance_deg: float = 0.005,
        sea_seed: tuple[float, float] = (114.0, 14.0),
    ) -> None:
        self.land = land
        shapely.prepare(land)
        self.cell = cell_deg
        west, south, east, north = bounds or land.bounds
        self.west, self.south = west, south
        self.nx = math.ceil((east - west) / cell_deg)
        self.ny = math.ceil((north - south) / cell_deg)
        xs = west + (np.arange(self.nx) + 0.5) * cell_deg
        ys = south + (np.arange(self.ny) + 0.5) * cell_deg
        gx, gy = np.meshgrid(xs, ys)
        self.xs, self.ys = xs, ys
        blocked_zone = land.buffer(clearance_deg) if clearance_deg > 0 else land
        shapely.prepare(blocked_zone)
        water = ~shapely.contains_xy(blocked_zone, gx, gy)
        self.water = self._open_sea(water, sea_seed)
        self.smooth_zone = land.buffer(smooth_clearance_deg) if smooth_clearance_deg else land
        shapely.prepare(self.smooth_zone)

    def _open_sea(self, water: np.ndarray, seed: tuple[float, float]) -> np.ndarray:
        """Keep only the water connected to `seed` (open sea): lakes and river pixels go."""
        si, sj = self._cell_of(*seed)
        if not water[sj, si]:
            raise ValueError(f"sea seed {seed} is not on water")
        sea = np.zeros_like(water)
        sea[sj, si] = True
        queue = deque([(si, sj)])
        while queue:
            i, j = queue.popleft()
            for ni, nj in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                if 0 <= ni < self.nx and 0 <= nj < self.ny and water[nj, ni] and not sea[nj, ni]:
                    sea[nj, ni] = True
                    queue.append((ni, nj))
        return sea

    def _cell_of(self, lon: float, lat: float) -> tuple[int, int]:
        i = min(max(int((lon - self.west) / self.cell), 0), self.nx - 1)
        j = min(max(int((lat - self.south) / self.cell), 0), self.ny - 1)
        return i, j

    def _center(self, i: int, j: int) -> tuple[float, float]:
        return float(self.xs[i]), float(self.ys[j])

    def nearest_water(self, lon: float, lat: float) -> tuple[int, int]:
        """The water cell nearest to a point (searching outwards ring by ring)."""
        ci, cj = self._cell_of(lon, lat)
        max_r = int(MAX_APPROACH_M / 111_000 / self.cell) + 2
        for r in range(max_r + 1):
            best: tuple[float, int, int] | None = None
            for i in range(ci - r, ci + r + 1):
                for j in range(cj - r, cj + r + 1):
                    if max(abs(i - ci), abs(j - cj)) != r:
                        continue
                    if 0 <= i < self.nx and 0 <= j < self.ny and self.water[j, i]:
                        d = haversine_m(lon, lat, *self._center(i, j))
                        if best is None or d < best[0]:
                            best = (d, i, j)
            if best is not None:
                return best[1], best[2]
        raise NoSeaRoute(f"no open water within {MAX_APPROACH_M / 1000:.0f} km of {lon},{lat}")

    def _astar(self, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]]:
        water = self.water
        cos_lat = np.cos(np.radians(self.ys))
        step_m = self.cell * 111_195.0
        gi, gj = goal

        def h(i: int, j: int) -> float:
            dx = (i - gi) * cos_lat[j]
            dy = j - gj
            return math.hypot(dx, dy) * step_m

        moves = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
        best = {start: 0.0}
        came: dict[tuple[int, int], tuple[int, int]] = {}
        heap = [(h(*start), 0.0, start)]
        while heap:
            _, g, cur = heapq.heappop(heap)
            if cur == goal:
                path = [cur]
                while cur in came:
                    cur = came[cur]
                    path.append(cur)
                return path[::-1]
            if g > best.get(cur, math.inf):
                continue
            i, j = cur
            for di, dj in moves:
                ni, nj = i + di, j + dj
                if not (0 <= ni < self.nx and 0 <= nj < self.ny) or not water[nj, ni]:
                    continue
                if di and dj and not (water[j, ni] and water[nj, i]):
                    continue  # no cutting corners: a diagonal step needs both sides open
                cost = math.hypot(di * cos_lat[j], dj) * step_m
                ng = g + cost
                nxt = (ni, nj)
                if ng < best.get(nxt, math.inf):
                    best[nxt] = ng
                    came[nxt] = cur
                    heapq.heappush(heap, (ng + h(ni, nj), ng, nxt))
        raise NoSeaRoute("the two points lie in separate water bodies on this grid")

    def _clear(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        return not self.smooth_zone.intersects(LineString([a, b]))

    def _straighten(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out = [pts[0]]
        k = 0
        while k < len(pts) - 1:
            nxt = k + 1
            # Grow the straight stretch while it stays clear; a few failed probes in a
            # row end it (the path bends round a headland).
            misses = 0
            for m in range(k + 2, len(pts)):
                if self._clear(pts[k], pts[m]):
                    nxt, misses = m, 0
                else:
                    misses += 1
                    if misses > 12:
                        break
            out.append(pts[nxt])
            k = nxt
        return out

    def route(self, origin: tuple[float, float], destination: tuple[float, float]) -> SeaLeg:
        """Route from `origin` to `destination` (lon, lat) over water."""
        start, goal = self.nearest_water(*origin), self.nearest_water(*destination)
        cells = self._astar(start, goal)
        water_path = self._straighten([self._center(i, j) for i, j in cells])
        if len(water_path) > 1 and self.land.intersects(LineString(water_path)):
            raise NoSeaRoute("the water path touches land: route on a finer grid")
        coords = [origin, *water_path, destination]
        approach_start = haversine_m(*origin, *water_path[0])
        approach_end = haversine_m(*water_path[-1], *destination)
        return SeaLeg(
            coords=tuple((round(x, 5), round(y, 5)) for x, y in coords),
            length_m=line_length_m(coords),
            approach_start_m=approach_start,
            approach_end_m=approach_end,
        )


def crosses_land(coords: list[tuple[float, float]], land: BaseGeometry, exempt_m: float) -> bool:
    """Whether a sea line touches land outside the harbour approaches at its two ends.

    The part within `exempt_m` of either end point (converted to degrees at the local
    latitude, conservatively) is the harbour approach and is not checked.
    """
    line = LineString(coords)
    ends = []
    for lon, lat in (coords[0], coords[-1]):
        deg = exempt_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.2))
        ends.append(Point(lon, lat).buffer(deg))
    rest = line.difference(shapely.union_all(ends))
    return (not rest.is_empty) and rest.intersects(land)
