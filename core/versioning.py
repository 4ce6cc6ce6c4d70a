"""Versioned rows: an edit ends the current row (`valid_to`) and adds the next one.

Models that keep their history this way have `valid_from` and `valid_to` (null on the
current row) and, optionally, a `version` number counted from 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
_NOT_COPIED = {"valid_from", "valid_to", "version"}


@transaction.atomic
def add_version(current: M, at: datetime | None = None, **changes: Any) -> M:
    """End `current` at `at` (default now) and create the next version with `changes`
    applied to a copy of its fields; returns the new row."""
    model = type(current)
    at = at or timezone.now()
    model._default_manager.filter(pk=current.pk).update(valid_to=at)
    values = {
        field.attname: getattr(current, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in _NOT_COPIED
    }
    for name, value in changes.items():
        field = model._meta.get_field(name)
        values[field.attname if not isinstance(value, models.Model) else field.name] = value
        if isinstance(value, models.Model):
            values.pop(field.attname, None)
    values["valid_from"] = at
    if any(f.name == "version" for f in model._meta.concrete_fields):
        values["version"] = (getattr(current, "version", 0) or 0) + 1
    return model._default_manager.create(**values)
