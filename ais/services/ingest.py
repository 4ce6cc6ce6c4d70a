"""AIS: ingest orchestration (files and feeds into PostGIS), the live vessel layer and
vessel tracks. Decoding, transports and the COPY writer are `ports.ingest` (Django-free)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from core.database import db_conninfo, with_reconnect
from core.imports import file_sha256
from core.models import ColumnProfile

from ..db import position_store
from ..ingest.ais import TimeWindow
from ..ingest.decoded import BUILTIN, Layout, layout_from_profile
from ..ingest.http_feed import feed_url, without_query
from ..ingest.pipeline import FILE_WINDOW, STREAM_WINDOW, Ingest
from ..ingest.store import BufferedWriter
from ..ingest.transports import parse_source
from ..models import AisIngestRun


def already_loaded(sha256: str) -> AisIngestRun | None:
    return AisIngestRun.objects.filter(file_sha256=sha256, finished_at__isnull=False).first()


PROVIDER = "provider:"  # the HTTP feed the settings describe (CW_AIS_HTTP_*)


def provider_url() -> str:
    """The poll URL of the configured provider: CW_AIS_HTTP_URL with the key
    (CW_AIS_HTTP_KEY) and the box (CW_AIS_HTTP_BBOX, lon_min,lat_min,lon_max,lat_max)."""
    base = str(getattr(settings, "CW_AIS_HTTP_URL", "") or "")
    if not base:
        raise ValueError("provider: set CW_AIS_HTTP_URL (and CW_AIS_HTTP_KEY) first")
    box = str(getattr(settings, "CW_AIS_HTTP_BBOX", "") or "")
    bbox = None
    if box:
        try:
            lon_min, lat_min, lon_max, lat_max = (float(v) for v in box.split(","))
        except ValueError as exc:
            raise ValueError(f"CW_AIS_HTTP_BBOX={box!r}: lon_min,lat_min,lon_max,lat_max") from exc
        bbox = (lon_min, lat_min, lon_max, lat_max)
    return feed_url(base, str(getattr(settings, "CW_AIS_HTTP_KEY", "") or ""), bbox)


def csv_layouts(name: str | None = None) -> tuple[Layout | None, list[Layout]]:
    """The layout named (a built-in's or a saved profile's; ValueError when neither) and
    every saved AIS profile (detected from a file's header like the built-ins)."""
    saved = [
        layout_from_profile(p.name, {**p.mapping, "label": p.label or p.name})
        for p in ColumnProfile.objects.filter(kind=ColumnProfile.Kind.AIS).order_by("name")
    ]
    if name is None:
        return None, saved
    by_name = {**BUILTIN, **{layout.name: layout for layout in saved}}
    if name not in by_name:
        raise ValueError(
            f"--layout {name!r}: not a built-in layout ({', '.join(BUILTIN)}) nor a saved "
            f"profile ({', '.join(layout.name for layout in saved) or 'none saved'})"
        )
    return by_name[name], saved


def ingest_ais(
    sources: list[str],
    *,
    spill_dir: Path,
    force: bool = False,
    batch_rows: int = 5000,
    flush_interval_s: float = 1.0,
    workers: int | None = None,
    max_memory_rows: int = 200_000,
    max_spill_bytes: int = 2 << 30,
    stream_window: TimeWindow = STREAM_WINDOW,
    file_window: TimeWindow = FILE_WINDOW,
    on_progress: Callable[[str, int], None] | None = None,
    on_start: Callable[[Ingest], None] | None = None,
    on_skip: Callable[[str, AisIngestRun], None] | None = None,
    layout: str | None = None,
) -> Ingest:
    """Ingest AIS from files and streams until the files end (and the streams are stopped
    through `ingest.stop`, set by `on_start(ingest)`'s caller, e.g. on SIGTERM).

    A file whose content was loaded before is skipped (unless `force`); each file loaded
    is recorded with its hash once every one of its positions is stored."""
    sources = [provider_url() if s == PROVIDER else s for s in sources]
    kinds = {s: parse_source(s)[0] for s in sources}  # ValueError names a bad source
    files = {s: file_sha256(s) for s, kind in kinds.items() if kind == "file" and s != "-"}
    todo = []
    for source in sources:
        sha = files.get(source)
        if sha and not force and (run := already_loaded(sha)):
            if on_skip:
                on_skip(source, run)
            continue
        todo.append(source)
    writer = BufferedWriter(
        position_store(db_conninfo()),
        spill_dir,
        max_memory_rows=max_memory_rows,
        max_spill_bytes=max_spill_bytes,
    ).start()
    forced, saved = csv_layouts(layout)
    ingest = Ingest(
        writer,
        batch_rows=batch_rows,
        flush_interval_s=flush_interval_s,
        stream_window=stream_window,
        file_window=file_window,
        csv_layout=forced,
        csv_layouts=saved,
        http_interval_s=float(getattr(settings, "CW_AIS_HTTP_INTERVAL", 60.0)),
        http_timeout_s=float(getattr(settings, "CW_AIS_HTTP_TIMEOUT", 30.0)),
    )
    shown = [without_query(s) if kinds[s] == "http" else s for s in sources]  # no keys stored
    run = AisIngestRun(started_at=timezone.now(), sources=" ".join(shown))
    if on_start:
        on_start(ingest)
    try:
        if todo:
            ingest.run(todo, on_progress, workers=workers)
    finally:
        writer.close()
    complete = writer.error is None and writer.backlog_rows == 0 and not ingest.failed

    def record() -> None:
        run.finished_at = timezone.now() if complete else None
        run.counts = {
            **ingest.counts,
            **ingest.transport_counts,
            **{f"writer_{k}": v for k, v in writer.counts.items()},
            "vessels": len(ingest.vessels),
        }
        run.save()
        for source in todo:
            if source in files and complete:
                AisIngestRun.objects.create(
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    sources=source,
                    file_sha256=files[source],
                    counts={"part_of_run": run.pk},
                )

    with_reconnect(record)
    return ingest
