"""Enumerations of the rail app (values shared with the pure parser)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    SEA_RAIL = "sea_rail", _("Sea-rail intermodal")
    INTERNATIONAL = "international", _("International through train")
    DOMESTIC_BLOCK = "domestic_block", _("Domestic block train")


class TrainStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")


class EventType(models.TextChoices):
    ARRIVAL = "arrival", _("Arrival")
    DEPARTURE = "departure", _("Departure")
    PASS = "pass", _("Pass")
    CANCELLATION = "cancellation", _("Cancellation")
    REINSTATEMENT = "reinstatement", _("Reinstatement")
    ORIGIN_CHANGE = "origin_change", _("Change of origin")


class Classifier(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ESTIMATED = "estimated", _("Estimated")
    ACTUAL = "actual", _("Actual")


class EventState(models.TextChoices):
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded by a correction")
    RETRACTED = "retracted", _("Retracted")


class ContainerEventType(models.TextChoices):
    LOAD = "load", _("Loaded")
    DISCHARGE = "discharge", _("Discharged")
    GATE_IN = "gate_in", _("Gate in")
    GATE_OUT = "gate_out", _("Gate out")


class DcsaVersion(models.TextChoices):
    V2_2 = "2.2", "DCSA Track & Trace 2.2"
    V3_0 = "3.0", "DCSA Track & Trace 3.0"


class CarrierOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    KEPT_ASIDE = "kept_aside", _("Kept aside")
    RETRACTED = "retracted", _("Retracted")


class CarrierVia(models.TextChoices):
    FILE = "file", _("File")
    POLL = "poll", _("Polling")
    PUSH = "push", _("Push")
