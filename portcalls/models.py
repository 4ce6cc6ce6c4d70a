"""Port calls: the detection rule of each port (versioned) and the calls it made."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ais.models import Vessel
from core.models import Seeded
from geo.models import Node

from .detection import DEFAULT_RULE

# The range of each detection rule value (inclusive): a rule outside them makes no sense
# (a negative speed) or would stop detection (a gap timeout of years).
RULE_LIMITS: dict[str, tuple[float, float]] = {
    "speed_kn": (0.0, 30.0),
    "min_stay_s": (0, 7 * 24 * 3600),
    "gap_timeout_s": (60, 7 * 24 * 3600),
    "exit_hysteresis_m": (0, 50_000),
}


class DetectionRule(Seeded):
    """Port-call detection parameters of a port, versioned like geofences: a change ends
    the current row and adds the next version; every call records the version that made
    it. `speed_kn` knots (at or under: "slow"), `min_stay_s` seconds slow inside the limit
    to make a call, `gap_timeout_s` seconds of silence after which a vessel inside is taken
    to have left, `exit_hysteresis_m` metres past the limit before a vessel has left."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="detection_rules")
    version = models.PositiveIntegerField(default=1)
    speed_kn = models.FloatField(
        default=DEFAULT_RULE.speed_kn,
        validators=[
            MinValueValidator(RULE_LIMITS["speed_kn"][0]),
            MaxValueValidator(RULE_LIMITS["speed_kn"][1]),
        ],
    )
    min_stay_s = models.PositiveIntegerField(
        default=int(DEFAULT_RULE.min_stay_s),
        validators=[MaxValueValidator(RULE_LIMITS["min_stay_s"][1])],
    )
    gap_timeout_s = models.PositiveIntegerField(
        default=int(DEFAULT_RULE.gap_timeout_s),
        validators=[
            MinValueValidator(RULE_LIMITS["gap_timeout_s"][0]),
            MaxValueValidator(RULE_LIMITS["gap_timeout_s"][1]),
        ],
    )
    exit_hysteresis_m = models.PositiveIntegerField(
        default=int(DEFAULT_RULE.exit_hysteresis_m),
        validators=[MaxValueValidator(RULE_LIMITS["exit_hysteresis_m"][1])],
    )
    note = models.TextField(blank=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        db_table = "ports_detectionrule"  # kept when the ports app was split
        ordering = ["node__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["node", "version"], name="rule_version_unique"),
            models.UniqueConstraint(
                fields=["node"], condition=Q(valid_to__isnull=True), name="one_current_rule"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": low, f"{name}__lte": high}),
                    name=f"rule_{name}_range",
                )
                for name, (low, high) in RULE_LIMITS.items()
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.code} rule v{self.version}"


class PortCall(models.Model):
    """An official port call (made with the port's current rule when detected). Times UTC;
    `departure_at` null while the vessel is still in port; `anchorage_wait_s` seconds.
    `stable_id` is the same whenever the same visit is detected with the same rule."""

    stable_id = models.CharField(max_length=16, unique=True)
    vessel = models.ForeignKey(
        Vessel,
        db_column="mmsi",
        on_delete=models.CASCADE,
        related_name="port_calls",
        db_constraint=False,
    )
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="port_calls")
    rule = models.ForeignKey(DetectionRule, on_delete=models.PROTECT, related_name="calls")
    arrival_at = models.DateTimeField()
    departure_at = models.DateTimeField(null=True, blank=True)
    berth_start_at = models.DateTimeField(null=True, blank=True)
    berth_end_at = models.DateTimeField(null=True, blank=True)
    anchorage_start_at = models.DateTimeField(null=True, blank=True)
    anchorage_end_at = models.DateTimeField(null=True, blank=True)
    anchorage_wait_s = models.FloatField(null=True, blank=True)
    detected_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ports_portcall"  # kept when the ports app was split
        ordering = ["node__code", "-arrival_at"]
        indexes = [models.Index(fields=["node", "arrival_at"])]

    def __str__(self) -> str:
        return f"{self.vessel_id} @ {self.node.code} {self.arrival_at:%Y-%m-%d %H:%M}"


class CallEvent(models.Model):
    """A vessel's arrival at or departure from a port as its carrier or a terminal reports
    it (DCSA Track & Trace transport events ARRI and DEPA): planned, estimated or actual,
    beside the calls AIS detects. The vessel is known by its IMO number; `vessel_mmsi` is
    filled when AIS knows that number. One row per source and event id (`event_id`), kept
    at its latest version (`updated`); a retracted event stays, `retracted`."""

    class Kind(models.TextChoices):
        ARRIVAL = "arrival", _("Arrival")
        DEPARTURE = "departure", _("Departure")

    class Classifier(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ESTIMATED = "estimated", _("Estimated")
        ACTUAL = "actual", _("Actual")

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="call_events")
    event = models.CharField(max_length=10, choices=Kind.choices)
    classifier = models.CharField(max_length=10, choices=Classifier.choices)
    at = models.DateTimeField()
    vessel_imo = models.IntegerField(null=True, blank=True)
    vessel_mmsi = models.IntegerField(null=True, blank=True)
    vessel_name = models.CharField(max_length=50, blank=True)
    voyage = models.CharField(max_length=50, blank=True)
    mode = models.CharField(max_length=12, blank=True)
    facility = models.CharField(max_length=24, blank=True)
    transport_call = models.CharField(max_length=100, blank=True)
    delay_reasons = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=64)
    event_id = models.CharField(max_length=500)
    updated = models.DateTimeField()
    retracted = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["node__code", "-at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="call_event_unique")
        ]
        indexes = [models.Index(fields=["node", "at"]), models.Index(fields=["vessel_imo", "at"])]

    def __str__(self) -> str:
        return f"{self.vessel_imo} {self.event} {self.node.code} {self.at:%Y-%m-%d %H:%M}"
