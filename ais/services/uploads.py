"""Administrators' uploads of AIS archives: stored, queued, then loaded one at a time by
the worker through `ingest_ais` (the same reader, checks and summary as the command)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from audit.choices import Action

from ..models import AisUpload
from .ingest import csv_layouts, ingest_ais

log = logging.getLogger(__name__)
SUFFIXES = (".csv", ".gz", ".zip", ".nmea", ".txt", ".log")


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "ais-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def accept(name: str, content: IO[bytes], layout: str, user: Any) -> AisUpload:
    """Store an uploaded file and queue it. ValueError naming the field for a file of
    another kind or an unknown layout (checked now, not when the worker reaches it)."""
    base = Path(name).name
    if not base.lower().endswith(SUFFIXES):
        raise ValueError(f"file: {base!r} is not one of {', '.join(SUFFIXES)}")
    if layout:
        csv_layouts(layout)  # ValueError: not a built-in layout nor a saved profile
    target = upload_dir() / f"{uuid.uuid4().hex}-{base}"
    size = 0
    with target.open("wb") as out:
        while chunk := content.read(1 << 20):
            out.write(chunk)
            size += len(chunk)
    row = AisUpload.objects.create(
        name=base,
        path=str(target),
        size=size,
        layout=layout,
        created_by=getattr(user, "username", "") or "",
    )
    audit.record(Action.UPLOAD, f"ais-upload:{row.pk}", {"file": base, "bytes": size}, user=user)
    return row


def take_next() -> AisUpload | None:
    """The oldest queued upload, marked running (SKIP LOCKED: workers may run side by side)."""
    with transaction.atomic():
        row = (
            AisUpload.objects.select_for_update(skip_locked=True)
            .filter(state=AisUpload.State.QUEUED)
            .order_by("created_at")
            .first()
        )
        if row is None:
            return None
        row.state = AisUpload.State.RUNNING
        row.save(update_fields=["state"])
    return row


def load(row: AisUpload) -> AisUpload:
    """Load one upload; its state says how it went, its summary what was read."""
    try:
        ingest = ingest_ais(
            [row.path],
            spill_dir=Path(settings.VAR_DIR) / "ais-spill-uploads",
            force=True,
            layout=row.layout or None,
        )
        row.summary = ingest.summary()
        row.counts = {**ingest.counts, **ingest.transport_counts}
        ok = ingest.writer.error is None and not ingest.failed
        row.state = AisUpload.State.DONE if ok else AisUpload.State.FAILED
    except Exception as exc:  # a file that cannot be read at all: said, not raised
        log.exception("AIS upload %s failed", row.pk)
        row.summary, row.state = f"{type(exc).__name__}: {exc}", AisUpload.State.FAILED
    row.finished_at = timezone.now()
    row.save(update_fields=["summary", "counts", "state", "finished_at"])
    return row


def process_queue() -> str:
    """Load every queued upload; what was done, for the worker's log."""
    done = []
    while (row := take_next()) is not None:
        done.append(f"{load(row).name}: {row.state}")
    return "; ".join(done) or "nothing queued"
