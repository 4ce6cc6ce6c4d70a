"""The audit log: who did what, when and from where, appended and never changed.

Rows are appended only (a database trigger refuses UPDATE and DELETE, except the retention
step that archives them first, see audit.services.retain) and chained by hash
(audit.chain): `manage.py audit_verify` finds a row removed, edited or slipped in."""

from __future__ import annotations

from django.db import models

from .choices import Action


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, help_text="1, 2, 3... with no gap")
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, blank=True, help_text="the username, as it was")
    actor_id = models.IntegerField(null=True, blank=True, db_index=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, db_index=True)
    target = models.CharField(max_length=500, help_text="what: a page, an API path, an object")
    detail = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True, help_text="where from")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        permissions = [("export_auditevent", "Can export the audit log")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target}"


class AuditArchive(models.Model):
    """A slice of the audit moved out by the retention step: its rows' file, their range,
    and the last hash, from which the chain of the rows kept goes on."""

    made_at = models.DateTimeField(auto_now_add=True)
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, help_text="of the archive file")

    class Meta:
        ordering = ["last_seq"]

    def __str__(self) -> str:
        return f"audit #{self.first_seq}-#{self.last_seq} -> {self.path}"
