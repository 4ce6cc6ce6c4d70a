"""Cross-modal alerts: raised once per condition, updated while it lasts, closed when it
clears (or by an official), with their history kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    TRAIN_DELAY = "train_delay", _("Train delayed beyond its threshold")
    QUEUE_WITH_TRAINS = "queue_with_trains", _("Anchorage queue above baseline while trains arrive")
    TRANSFER_TIME = "transfer_time", _("Sea-rail transfer time above threshold")
    AIS_GAP = "ais_gap", _("AIS silent for a vessel expected at a port")


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class Alert(models.Model):
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    subject = models.CharField(max_length=80, help_text=_("What it is about, e.g. port:QZ_PORT"))
    subject_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    raised_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the condition cleared by itself"),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=~Q(state="closed"),
                name="alert_one_live_per_subject",
            )
        ]
        indexes = [models.Index(fields=["state", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} ({self.state})"
