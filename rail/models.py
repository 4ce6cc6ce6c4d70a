"""Trains, the events feeds report about them, and containers moved between trains and ships.

A `Train` is one run: a train number on a service date (numbers are reused every day). Its
`RailEvent`s say where it was planned, expected and seen; the run's status, delays and
transit time are derived from them (`rail.services.runs`) and kept on the train for quick
reads. A correction replaces an event and keeps the old one (`state=superseded`); a
retraction keeps the record and removes it from every figure (`state=retracted`).

Times are UTC; `tz` keeps the zone the source reported in.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridors.models import Route
from geo.models import Node

from .choices import (
    Classifier,
    ContainerEventType,
    EventState,
    EventType,
    ServiceType,
    TrainStatus,
)


class LocationAlias(models.Model):
    """A location code in a named scheme (a railway station code, a UN/LOCODE a node does
    not carry) resolved to a node."""

    scheme = models.CharField(max_length=16)
    code = models.CharField(max_length=32)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="location_aliases")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="location_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code} -> {self.node.code}"


class RouteRailSetting(models.Model):
    """Per-route thresholds; routes without one use the settings' defaults."""

    route = models.OneToOneField(Route, on_delete=models.CASCADE, related_name="rail_setting")
    punctuality_min = models.PositiveSmallIntegerField(
        default=30, help_text=_("A train arriving within this many minutes of plan is on time")
    )

    def __str__(self) -> str:
        return f"{self.route.code}: {self.punctuality_min} min"


class Train(models.Model):
    train_no = models.CharField(max_length=24)
    service_date = models.DateField()
    service_type = models.CharField(
        max_length=16, choices=ServiceType.choices, default=ServiceType.SEA_RAIL
    )
    route = models.ForeignKey(
        Route, null=True, blank=True, on_delete=models.SET_NULL, related_name="trains"
    )
    origin = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.PROTECT, related_name="trains_from"
    )
    destination = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.PROTECT, related_name="trains_to"
    )
    external_ids = models.JSONField(default=dict, blank=True)
    # Derived from the current events (rail.services.runs.refresh_trains).
    status = models.CharField(
        max_length=10, choices=TrainStatus.choices, default=TrainStatus.PLANNED
    )
    dep_booked = models.DateTimeField(null=True, blank=True)
    dep_original = models.DateTimeField(null=True, blank=True)
    dep_actual = models.DateTimeField(null=True, blank=True)
    arr_booked = models.DateTimeField(null=True, blank=True)
    arr_original = models.DateTimeField(null=True, blank=True)
    arr_expected = models.DateTimeField(null=True, blank=True)
    arr_actual = models.DateTimeField(null=True, blank=True)
    delay_booked_s = models.IntegerField(null=True, blank=True)
    delay_original_s = models.IntegerField(null=True, blank=True)
    transit_s = models.IntegerField(null=True, blank=True)
    teu = models.PositiveIntegerField(null=True, blank=True)
    wagons = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-service_date", "train_no"]
        constraints = [
            models.UniqueConstraint(fields=["train_no", "service_date"], name="train_run_unique")
        ]
        indexes = [
            models.Index(fields=["status", "dep_booked"]),
            models.Index(fields=["route", "dep_booked"]),
        ]

    def __str__(self) -> str:
        return f"{self.train_no} {self.service_date}"

    @property
    def departure(self) -> datetime | None:  # the time the run is counted on
        return self.dep_actual or self.dep_booked or self.dep_original


class RailEvent(models.Model):
    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="events")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="rail_events")
    location_scheme = models.CharField(max_length=16, default="node")
    location_code = models.CharField(max_length=32)
    event = models.CharField(max_length=16, choices=EventType.choices)
    classifier = models.CharField(max_length=10, choices=Classifier.choices)
    actual_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    original_at = models.DateTimeField(null=True, blank=True)
    tz = models.CharField(max_length=40, default="Asia/Shanghai")
    delay_cause = models.CharField(max_length=4, blank=True, help_text=_("UIC 450-2 code"))
    wagons = models.PositiveSmallIntegerField(null=True, blank=True)
    teu = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=EventState.choices, default=EventState.CURRENT)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["train", "booked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "node", "event"],
                condition=Q(state="current"),
                name="rail_event_one_current",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "message_id"]),
            models.Index(fields=["node", "event", "actual_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.train} {self.event} {self.node.code}"

    @property
    def time(self) -> datetime | None:
        return self.actual_at or self.booked_at or self.original_at


class ContainerEvent(models.Model):
    """A container loaded on or discharged from a train or a vessel, or gated in or out at
    a node (DCSA equipment events). `train` or `vessel_mmsi` says which conveyance."""

    container = models.CharField(max_length=11)
    event = models.CharField(max_length=10, choices=ContainerEventType.choices)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="container_events")
    at = models.DateTimeField()
    tz = models.CharField(max_length=40, default="Asia/Shanghai")
    train = models.ForeignKey(
        Train, null=True, blank=True, on_delete=models.CASCADE, related_name="container_events"
    )
    vessel_mmsi = models.IntegerField(null=True, blank=True)
    source = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=64, blank=True)
    retracted = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["container", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["container", "event", "node", "at"], name="container_event_unique"
            )
        ]
        indexes = [models.Index(fields=["node", "event", "at"])]

    def __str__(self) -> str:
        return f"{self.container} {self.event} {self.node.code} {self.at:%Y-%m-%d %H:%M}"
