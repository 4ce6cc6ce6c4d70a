"""Cross-modal alerts: raised once per condition, updated while it lasts, closed when it
clears (or by an official), with their history kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AlertKind, AlertState


class Alert(models.Model):
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    subject = models.CharField(max_length=80, help_text=_("What it is about, e.g. port:QZ_PORT"))
    subject_label = models.CharField(max_length=200, blank=True)
    place = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_("The node it happens at (its code), by which alerts are grouped"),
    )
    reason = models.TextField(help_text=_("In English, for logs and the webhook"))
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
