"""Import helpers: create or update rows by key with counts, and file checksums."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


@dataclass
class ImportCounts:
    """What an import did: rows created, updated, unchanged, removed, and `kept`: rows a
    user edited since they were seeded, which a seed load leaves as they are."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0
    replaced: list[str] = field(default_factory=list)  # user edits a reset brought back

    def __str__(self) -> str:
        text = f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged"
        if self.removed:
            text += f", {self.removed} removed"
        if self.kept:
            text += f", {self.kept} user edits kept"
        if self.replaced:
            text += f", {len(self.replaced)} user edits replaced by the seed"
        return text


def apply_changes(obj: models.Model, values: Mapping[str, Any]) -> bool:
    """Set `values` on `obj`; True when anything changed (geometries compared exactly to
    1e-9 degrees)."""
    changed = False
    for key, value in values.items():
        current = getattr(obj, key)
        if key == "geom":
            same = (current is None and value is None) or (
                current is not None
                and value is not None
                and current.equals_exact(value, tolerance=1e-9)
            )
        else:
            same = current == value
        if not same:
            setattr(obj, key, value)
            changed = True
    return changed


def upsert_by_key(
    model: type[M],
    existing: dict[Hashable, M],
    key: Hashable,
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
    counts: ImportCounts,
    reset: bool = False,
) -> M:
    """Create the row `key` of `existing` (with `lookup` and `values`) or update it to
    `values`, counting what happened. A row edited by a user (its `origin` is "user") is
    left as it is and counted as kept, unless `reset` (it is then replaced and listed)."""
    obj = existing.get(key)
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        existing[key] = obj
        counts.created += 1
    elif getattr(obj, "origin", None) == "user" and not reset:
        counts.kept += 1
    elif getattr(obj, "origin", None) == "user":
        apply_changes(obj, values)
        obj.save()
        counts.updated += 1
        counts.replaced.append(f"{model._meta.verbose_name} {key}")
    elif apply_changes(obj, values):
        obj.save()
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's content, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
