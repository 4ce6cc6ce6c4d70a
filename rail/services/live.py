"""What the map shows of rail: running trains where they are now, coloured by delay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from ..choices import TrainStatus
from ..models import Train
from .kpis import threshold_min
from .runs import positions

# Delay classes against the route's punctuality threshold.
ON_TIME, LATE, VERY_LATE = "on_time", "late", "very_late"
DELAY_COLOURS = {ON_TIME: "#2b8a3e", LATE: "#f08c00", VERY_LATE: "#c92a2a"}


def delay_class(delay_s: int | None, threshold: int) -> str:
    minutes = (delay_s or 0) / 60
    if minutes <= threshold:
        return ON_TIME
    return LATE if minutes <= 3 * threshold else VERY_LATE


def live_trains(now: datetime | None = None, limit: int = 2000) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the running trains at their current positions."""
    now = now or timezone.now()
    trains = list(
        Train.objects.filter(status=TrainStatus.RUNNING)
        .select_related("route", "origin", "destination")
        .order_by("dep_actual")[:limit]
    )
    where = positions(trains, now)
    thresholds: dict[int | None, int] = {}
    features = []
    for t in trains:
        pos = where.get(t.pk)
        if pos is None:
            continue
        if t.route_id not in thresholds:
            thresholds[t.route_id] = threshold_min(t.route)
        threshold = thresholds[t.route_id]
        cls = delay_class(t.delay_booked_s, threshold)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(pos.lon, 5), round(pos.lat, 5)],
                },
                "properties": {
                    "id": t.pk,
                    "train": t.train_no,
                    "date": t.service_date.isoformat(),
                    "route": t.route.code if t.route else "",
                    "origin": t.origin.code if t.origin else "",
                    "destination": t.destination.code if t.destination else "",
                    "delay_min": round((t.delay_booked_s or 0) / 60),
                    "threshold_min": threshold,
                    "delay_class": cls,
                    "colour": DELAY_COLOURS[cls],
                    "next": pos.to_code or "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
