"""Versioned rows: an edit ends the current row (`valid_to`) and adds the next one.

Models that keep their history this way have `valid_from` and `valid_to` (null on the
current row) and, optionally, a `version` number counted from 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
_NOT_COPIED = {"valid_from", "valid_to", "version"}


@transaction.atomic
def add_version(current: M, at: datetime | None = None, **changes: Any) -> M:
    """End `current` at `at` (default now) and create the next version with `changes`
    applied to a copy of its fields; returns the new row. Two edits of the same row at
    once are serialised (a row lock); the second finds the row replaced and is refused
    (ValidationError), never a duplicate current version."""
    model = type(current)
    at = at or timezone.now()
    locked = model._default_manager.select_for_update().filter(pk=current.pk).first()
    if locked is None or getattr(locked, "valid_to", None) is not None:
        raise ValidationError(
            {"version": "this version was replaced meanwhile: reload and edit the current one"}
        )
    model._default_manager.filter(pk=current.pk).update(valid_to=at)
    values = {
        field.attname: getattr(current, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in _NOT_COPIED
    }
    for name, value in changes.items():
        field = model._meta.get_field(name)
        attname = getattr(field, "attname", name)
        if isinstance(value, models.Model):  # a related object: set by name, not by id
            values.pop(attname, None)
            values[name] = value
        else:
            values[attname] = value
    values["valid_from"] = at
    if any(f.name == "version" for f in model._meta.concrete_fields):
        values["version"] = (getattr(current, "version", 0) or 0) + 1
    return model._default_manager.create(**values)
