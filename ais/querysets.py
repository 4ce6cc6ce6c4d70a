"""Vessel and position queries as QuerySet methods."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.gis.db.models import QuerySet
from django.contrib.gis.geos import Polygon
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from core.periods import day_bounds

from .ingest.ais import VESSEL_MMSI_RANGES

VESSELS_SQL = " OR ".join(f"mmsi BETWEEN {lo} AND {hi}" for lo, hi in VESSEL_MMSI_RANGES)
NEAR_ROWS_SQL = f"""
SELECT mmsi, extract(epoch FROM ts)::float8, ST_X(geom), ST_Y(geom), sog_kn
FROM {{table}}
WHERE ts >= %(start)s AND ts < %(end)s
  AND geom && ST_Expand(ST_GeomFromEWKB(%(area)s), %(near)s)
  AND ({VESSELS_SQL}) {{vessels}}
ORDER BY mmsi, ts
LIMIT %(limit)s
"""


# The days of [first, last] with at least one position near an area: one index probe per
# day (the first row found ends it), so a month costs 31 short lookups.
DAYS_SQL = """
SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM {table}
WHERE ts >= %(start)s AND ts < %(end)s
  AND geom && ST_Expand(ST_GeomFromEWKB(%(area)s), %(near)s)
ORDER BY 1
"""

SEEN_SQL = """
SELECT EXISTS (
  SELECT 1 FROM {table}
  WHERE ts >= %(start)s AND ts < %(end)s
    AND geom && ST_Expand(ST_GeomFromEWKB(%(area)s), %(near)s)
)
"""


class VesselLatestQuerySet(QuerySet[Any]):
    def vessels(self) -> VesselLatestQuerySet:
        """Only vessels' MMSIs (see VESSEL_MMSI_RANGES): no coast stations, no MMSI 0."""
        cond = Q()
        for lo, hi in VESSEL_MMSI_RANGES:
            cond |= Q(vessel_id__gte=lo, vessel_id__lte=hi)
        return self.filter(cond)

    def of_type_group(self, *groups: str) -> VesselLatestQuerySet:
        """Vessels whose AIS ship type falls in any of `groups` (see ShipTypeGroup)."""
        from .choices import SHIP_TYPE_RANGES

        cond = Q()
        for group in groups:
            if group == "unknown":
                cond |= Q(vessel__ship_type__isnull=True) | Q(vessel__ship_type=0)
            for lo, hi in SHIP_TYPE_RANGES.get(group, []):
                cond |= Q(vessel__ship_type__gte=lo, vessel__ship_type__lte=hi)
        return self.filter(cond) if groups else self

    def seen_within(self, minutes: float, now: datetime | None = None) -> VesselLatestQuerySet:
        """Vessels whose newest report is at most `minutes` old."""
        return self.filter(ts__gte=(now or timezone.now()) - timedelta(minutes=minutes))

    def within_bbox(
        self, west: float, south: float, east: float, north: float
    ) -> VesselLatestQuerySet:
        box = Polygon.from_bbox((west, south, east, north))
        box.srid = 4326
        return self.filter(geom__intersects=box)


class VesselPositionQuerySet(QuerySet[Any]):
    def track(self, mmsi: int, start: datetime, end: datetime) -> VesselPositionQuerySet:
        """One vessel's positions in [start, end], in time order (primary-key range scan)."""
        return self.filter(mmsi=mmsi, ts__gte=start, ts__lte=end).order_by("ts")

    def between(self, start: datetime, end: datetime) -> VesselPositionQuerySet:
        return self.filter(ts__gte=start, ts__lte=end)

    def near_rows(
        self,
        area_ewkb: bytes,
        near_deg: float,
        start: datetime,
        end: datetime,
        limit: int | None = None,
        mmsis: Iterable[int] | None = None,
    ) -> list[tuple[Any, ...]]:
        """(mmsi, unix seconds, lon, lat, sog_kn) of the vessel positions (see
        VESSEL_MMSI_RANGES) in [start, end) within `near_deg` degrees of the box of
        `area_ewkb` (EWKB, SRID 4326), of `mmsis` only when given, by vessel and time (at
        most `limit`). Plain tuples: the detector reads millions (no model instances)."""
        params: dict[str, Any] = {
            "start": start,
            "end": end,
            "near": near_deg,
            "area": area_ewkb,
            "limit": limit,
            "mmsis": list(mmsis or []),
        }
        only = "AND mmsi = ANY(%(mmsis)s)" if mmsis is not None else ""
        with connections[self.db].cursor() as cursor:  # (a replica's in long reads)
            cursor.execute(
                NEAR_ROWS_SQL.format(vessels=only, table=self.model._meta.db_table), params
            )
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    def days_with_positions(
        self, area_ewkb: bytes, near_deg: float, first: date, last: date
    ) -> list[date]:
        """The UTC days of [first, last] on which AIS positions were received within
        `near_deg` degrees of the box of `area_ewkb`: the days AIS covers that area (one
        scan of the period's partitions: a per-day probe re-read them for every day)."""
        with connections[self.db].cursor() as cursor:  # (a replica's in long reads)
            cursor.execute(
                DAYS_SQL.format(table=self.model._meta.db_table),
                _near_params(area_ewkb, near_deg, first, last),
            )
            return [row[0] for row in cursor.fetchall()]

    def any_near(self, area_ewkb: bytes, near_deg: float, first: date, last: date) -> bool:
        """Whether any AIS position of the days [first, last] lies within `near_deg`
        degrees of the box of `area_ewkb` (stops at the first)."""
        with connections[self.db].cursor() as cursor:  # (a replica's in long reads)
            cursor.execute(
                SEEN_SQL.format(table=self.model._meta.db_table),
                _near_params(area_ewkb, near_deg, first, last),
            )
            return bool(cursor.fetchone()[0])


def _near_params(area_ewkb: bytes, near_deg: float, first: date, last: date) -> dict[str, Any]:
    start, end = day_bounds(first, last)
    return {"start": start, "end": end, "area": area_ewkb, "near": near_deg}
