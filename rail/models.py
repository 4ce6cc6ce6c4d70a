"""Trains, the events feeds report about them, and containers moved between trains and ships.

A `Train` is one run: a train number on a service date (numbers are reused every day). Its
`RailEvent`s say where it was planned, expected and seen; the run's status, delays and
transit time are derived from them (`rail.services.runs`) and kept on the train for quick
reads. A correction replaces an event and keeps the old one (`state=superseded`); a
retraction keeps the record and removes it from every figure (`state=retracted`).

Times are UTC; `tz` keeps the zone the source reported in.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridors.models import Route
from geo.models import Node

from .choices import (
    CarrierOutcome,
    CarrierVia,
    Classifier,
    ContainerEventType,
    DcsaVersion,
    EventState,
    EventType,
    ServiceType,
    TrainStatus,
)
from .ingest.dcsa import new_secret


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
    vessel_imo = models.IntegerField(null=True, blank=True)
    voyage = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=500, blank=True)
    retracted = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["container", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["container", "event", "node", "at"], name="container_event_unique"
            )
        ]
        indexes = [
            models.Index(fields=["node", "event", "at"]),
            models.Index(fields=["source", "message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.container} {self.event} {self.node.code} {self.at:%Y-%m-%d %H:%M}"


class CarrierFeed(models.Model):
    """A carrier's or terminal's DCSA Track & Trace feed: polled at `base_url` (its API
    root; the poller asks `/v2/events` or `/events`), or pushing to our callback
    `/api/dcsa/callbacks/<subscription_id>/`, each notification signed with `secret`
    (Base64; `Notification-Signature: sha256=<HMAC of the body>`). `watermark` is the
    latest version time polling has read. The name is the source of what it sends."""

    name = models.SlugField(max_length=64, unique=True)
    version = models.CharField(max_length=3, choices=DcsaVersion.choices, default="3.0")
    base_url = models.URLField(blank=True, help_text=_("The carrier's API root, to poll"))
    auth_header = models.CharField(max_length=64, blank=True, default="Authorization")
    auth_value = models.CharField(
        max_length=500, blank=True, help_text=_("Sent in the header above when polling")
    )
    subscription_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    secret = models.CharField(max_length=200, default=new_secret)
    interval_s = models.PositiveIntegerField(default=300)
    page_limit = models.PositiveSmallIntegerField(default=100)
    watermark = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (DCSA {self.version})"


class CarrierEvent(models.Model):
    """Every DCSA Track & Trace event received, once per source and event id: its latest
    version (`updated`: 3.0's update time, 2.2's creation time), its body, what became of
    it (`outcome`; `derived` names the row it made) and how it came (`via`). A version not
    newer than the one held changes nothing."""

    source = models.CharField(max_length=64)
    party = models.CharField(max_length=360, blank=True)
    event_id = models.CharField(max_length=500)
    version = models.CharField(max_length=3, choices=DcsaVersion.choices)
    kind = models.CharField(max_length=12, blank=True)
    code = models.CharField(max_length=4, blank=True)
    updated = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=CarrierOutcome.choices)
    why = models.CharField(max_length=200, blank=True)
    derived = models.JSONField(default=dict, blank=True)
    body = models.JSONField(default=dict)
    versions = models.PositiveIntegerField(default=1)
    via = models.CharField(max_length=4, choices=CarrierVia.choices)
    first_received_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "party", "event_id"], name="carrier_event_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "outcome"])]

    def __str__(self) -> str:
        return f"{self.source} {self.event_id} {self.kind} {self.code}"
