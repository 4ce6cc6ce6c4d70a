"""The AIS ingest pipeline: transports -> AisDecoder -> batches -> BufferedWriter.

Stream sources (TCP, UDP) each run on a thread. A large plain file is split into byte
ranges decoded and written by worker processes (one per core), each with its own writer,
so decoding, COPY and the database's inserts run on every core; multi-sentence messages
that straddle a boundary are completed by the worker whose range they start in. Reports
are grouped in batches of `batch_rows` (or every `flush_interval_s` on a stream).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .ais import AisDecoder, Position, StaticReport, TimeWindow
from .decoded import CsvDecoder, Layout, looks_like_nmea
from .http_feed import AISHUB, http_blocks, without_query
from .store import MMSI, TS, Batch, BufferedWriter, PositionStore, StoreSql
from .transports import (
    BadArchive,
    Block,
    InputTooLarge,
    chunk_blocks,
    file_blocks,
    first_line,
    parse_source,
    split_file,
    tcp_blocks,
    udp_blocks,
    udp_options,
)

log = logging.getLogger(__name__)

ERROR_KINDS = (
    "blank",
    "garbage",
    "other_nmea",
    "malformed",
    "bad_checksum",
    "bad_tag_block",
    "control_characters",
    "incomplete",
    "orphan_fragment",
    "undecodable",
    "no_position",
    "bad_position",
    "bad_time",
    "invalid_mmsi",
    "overlong",
    "udp_refused",
    "too_large",
    "internal_error",
    "unknown_layout",
    "mixed_layout",
    "short_row",
    "http_errors",
    "http_rate_limited",
    "http_bad_answers",
)
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
# Report times believed by default: on a stream, from a day before to 5 minutes after
# arrival; in a file, within three years before its modification time (an archive of
# another period declares it: --accept-from/--accept-to).
STREAM_WINDOW = TimeWindow(past_s=24 * 3600.0, ahead_s=300.0)
FILE_WINDOW = TimeWindow(past_s=3 * 366 * 24 * 3600.0, ahead_s=24 * 3600.0)


class Ingest:
    """One ingest run: its sources' lines decoded and handed to the writer in batches.
    `stream_window` and `file_window` say which report times are believed (see
    TimeWindow); nothing a source sends can stop the run (a line or block that breaks the
    decoder is counted as `internal_error` and skipped)."""

    def __init__(
        self,
        writer: BufferedWriter,
        batch_rows: int = 5000,
        flush_interval_s: float = 1.0,
        stream_window: TimeWindow = STREAM_WINDOW,
        file_window: TimeWindow = FILE_WINDOW,
        csv_layout: Layout | None = None,
        csv_layouts: Iterable[Layout] = (),
        http_interval_s: float = 60.0,
        http_timeout_s: float = 30.0,
    ):
        self.writer = writer
        self.http_interval_s = http_interval_s  # a provider's feed: one request per this
        self.http_timeout_s = http_timeout_s
        # Decoded archives (CSV): the layout named (--layout), else the one the header is
        # written in, among the built-ins and these saved profiles.
        self.csv_layout = csv_layout
        self.csv_layouts = list(csv_layouts)
        self.batch_rows = batch_rows
        self.flush_interval_s = flush_interval_s
        self.stream_window = stream_window
        self.file_window = file_window
        self.counts: Counter[str] = Counter()
        self.transport_counts: Counter[str] = Counter()
        self.vessels: set[int] = set()
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.failed: list[str] = []
        self.layouts: dict[str, str] = {}  # decoded archive -> the layout it was read in
        self.newest_ts: float | None = None  # the newest report time handed to the writer
        self._lock = threading.Lock()

    def consume(
        self,
        blocks: Iterable[Block],
        source_name: str,
        tail: Iterable[bytes] = (),
        chunk_head: bool = False,
        window: TimeWindow | None = None,
        decoder: AisDecoder | CsvDecoder | None = None,
    ) -> None:
        """Decode blocks of lines and submit batches until they end or `stop` is set (NMEA,
        or the rows of a decoded archive when `decoder` is a CsvDecoder)."""
        decoder = decoder or AisDecoder(default_source=source_name, window=window)

        def decode(
            lines: list[bytes],
            received_at: float,
            positions: list[Position],
            statics: list[StaticReport],
            chunk_head: bool = False,
            byte_offset: int | None = None,
        ) -> None:
            # The hot path, as is; a block that breaks the decoder (a bug; no input should)
            # is decoded again line by line, and only the lines that break it are lost.
            mark = (len(positions), len(statics), decoder.counts.copy())
            try:
                decoder.decode_into(lines, received_at, positions, statics, chunk_head, byte_offset)
            except Exception:
                del positions[mark[0] :], statics[mark[1] :]
                decoder.counts = mark[2]
                for line in lines:
                    try:
                        decoder.decode_into(
                            (line,), received_at, positions, statics, chunk_head, byte_offset
                        )
                    except Exception:
                        decoder.counts["internal_error"] += 1
                        log.exception("AIS line broke the decoder (skipped): %r", line[:200])
                    if byte_offset is not None:
                        byte_offset += len(line)

        positions: list[Position] = []
        statics: list[StaticReport] = []
        last_flush = time.monotonic()
        rows, interval = self.batch_rows, self.flush_interval_s
        first = chunk_head
        try:
            for lines, received_at, offset in blocks:
                if first and lines:
                    head, lines = lines[:200], lines[200:]
                    decode(
                        head, received_at, positions, statics, chunk_head=True, byte_offset=offset
                    )
                    if offset is not None:
                        offset += sum(map(len, head))
                    first = False
                decode(lines, received_at, positions, statics, byte_offset=offset)
                if len(positions) + len(statics) >= rows or (
                    interval and time.monotonic() - last_flush >= interval
                ):
                    self._submit(positions, statics, decoder.counts)
                    positions, statics = [], []
                    last_flush = time.monotonic()
                if self.stop.is_set():
                    break
            else:
                decoder.complete_open(tail, time.time(), positions, statics)
        finally:
            decoder.close()
            self._submit(positions, statics, decoder.counts)

    def _submit(
        self, positions: list[Position], statics: list[StaticReport], counts: Counter[str]
    ) -> None:
        """Hand a batch to the writer and move the decoder's counts into the run's."""
        newest = max(map(TS, positions)).timestamp() if positions else None
        with self._lock:
            self.counts.update(counts)
            self.vessels.update(map(MMSI, positions))
            self.vessels.update(s.mmsi for s in statics)
            if newest is not None and (self.newest_ts is None or newest > self.newest_ts):
                self.newest_ts = newest
        counts.clear()
        if positions or statics:
            self.writer.submit(Batch(positions, statics))

    def run(
        self,
        sources: list[str],
        on_progress: Callable[[str, int], None] | None = None,
        workers: int | None = None,
    ) -> None:
        """Ingest every source; returns when files are done and streams stopped."""
        streams: list[tuple[str, Iterator[Block], CsvDecoder | None]] = []
        files: list[str] = []
        for source in sources:
            kind, host_or_path, port = parse_source(source)
            if kind == "http":
                shown = without_query(source)  # never the key in names or logs
                blocks = http_blocks(
                    source,
                    self.stop,
                    self.transport_counts,
                    interval_s=self.http_interval_s,
                    timeout_s=self.http_timeout_s,
                )
                decoder = CsvDecoder(shown, self.stream_window, AISHUB)
                streams.append((shown, blocks, decoder))
            elif kind == "file" or port is None:
                files.append(host_or_path)
            elif kind == "tcp":
                streams.append((source, tcp_blocks(host_or_path, port, self.stop), None))
            else:
                blocks = udp_blocks(
                    host_or_path, port, self.stop, udp_options(source), self.transport_counts
                )
                streams.append((source, blocks, None))
        threads = [
            threading.Thread(
                target=self._stream,
                args=(blocks, name, decoder),
                daemon=True,
                name=f"ais-{name}",
            )
            for name, blocks, decoder in streams
        ]
        for t in threads:
            t.start()
        workers = workers or os.cpu_count() or 1
        for path in files:
            if self.stop.is_set():
                break
            name = "stdin" if path == "-" else Path(path).name
            if path != "-":
                try:
                    head = first_line(path)
                except (BadArchive, OSError, zipfile.BadZipFile, EOFError) as exc:
                    self.failed.append(f"{name}: {exc}")  # the other files go on
                    log.error("%s: %s", name, exc)
                    continue
                if not looks_like_nmea(head):
                    self._csv_file(path, name, on_progress)
                    continue
            if (
                workers > 1
                and path != "-"
                and not path.endswith((".gz", ".zip"))
                and os.path.getsize(path) >= PARALLEL_MIN_BYTES
            ):
                self._parallel_file(path, name, workers, on_progress)
            else:
                self._file(path, name, on_progress)
        for t in threads:
            while t.is_alive():
                t.join(0.5)

    def _file(
        self,
        path: str,
        name: str,
        on_progress: Callable[[str, int], None] | None,
        decoder: CsvDecoder | None = None,
    ) -> None:
        """A whole file in this process (NMEA, or a decoded archive's `decoder`); one that
        expands beyond its cap is stopped there, counted and named."""
        progress = (lambda done, p=path: on_progress(p, done)) if on_progress else None
        try:
            self.consume(
                file_blocks(path, progress), name, window=self.file_window, decoder=decoder
            )
        except InputTooLarge as exc:
            self.transport_counts["too_large"] += 1
            self.failed.append(str(exc))
            log.error("%s", exc)

    def _csv_file(
        self, path: str, name: str, on_progress: Callable[[str, int], None] | None
    ) -> None:
        """A decoded archive: its rows through a CsvDecoder (one process: the header
        says how to read every row)."""
        decoder = CsvDecoder(name, self.file_window, self.csv_layout, self.csv_layouts)
        self._file(path, name, on_progress, decoder)
        for problem in decoder.problems:
            self.failed.append(f"{name}: {problem}")
        if decoder.layout is not None:
            self.layouts[name] = decoder.layout.label or decoder.layout.name

    def _stream(
        self, blocks: Iterable[Block], name: str, decoder: CsvDecoder | None = None
    ) -> None:
        """A stream's thread: it ends only when the run stops (or its transport cannot
        work at all, e.g. an address already in use: logged, and the run is told)."""
        try:
            self.consume(blocks, name, window=self.stream_window, decoder=decoder)
        except Exception as exc:
            self.failed.append(f"{name}: {exc}")
            log.exception("AIS stream %s stopped", name)

    def _parallel_file(
        self, path: str, name: str, workers: int, on_progress: Callable[[str, int], None] | None
    ) -> None:
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        procs = [
            ctx.Process(
                target=_chunk_worker,
                name=f"ais-chunk-{i}",
                args=(
                    path,
                    name,
                    start,
                    end,
                    i,
                    self.writer.store.conninfo,
                    self.writer.store.sql,
                    str(self.writer.spill_dir / f"chunk-{i}"),
                    self.batch_rows,
                    self.file_window,
                    results,
                ),
            )
            for i, (start, end) in enumerate(split_file(path, workers))
        ]
        for p in procs:
            p.start()
        errors = []
        for _ in procs:
            counts, writer_counts, vessels, error = results.get()
            self.counts.update(counts)
            self.writer.counts.update(writer_counts)
            self.vessels.update(vessels)
            if error:
                errors.append(error)
        for p in procs:
            p.join()
        if on_progress:
            on_progress(path, os.path.getsize(path))
        if errors:
            raise RuntimeError(f"{name}: a worker failed: {errors[0]}")

    def metrics(self) -> dict[str, float]:
        """The run's counters as a heartbeat carries them (core.heartbeat, /metrics): lines,
        messages, positions and static reports read; skipped by reason; stored; the
        writer's; rows buffered and spilled; lag (s) of the newest report behind now."""
        with self._lock:
            c = self.counts + self.transport_counts
            newest = self.newest_ts
        w = self.writer.counts
        out: dict[str, float] = {
            k: c[k] for k in ("lines", "messages", "positions", "static_reports")
        }
        out.update({f"skipped_{k}": c[k] for k in ERROR_KINDS})
        out.update({f"writer_{k}": v for k, v in w.items()})
        out["positions_stored"] = w["positions_stored"]
        out["backlog_rows"] = self.writer.backlog_rows
        out["spill_bytes"] = self.writer.spill_bytes
        out["vessels"] = len(self.vessels)
        if newest is not None:
            out["lag_s"] = round(max(time.time() - newest, 0.0), 1)
        return out

    def summary(self) -> str:
        c = self.counts + self.transport_counts
        w = self.writer.counts
        errors = ", ".join(f"{k}={c[k]}" for k in ERROR_KINDS if c[k]) or "none"
        parts = [
            f"{c['lines']:,} lines, {c['messages']:,} messages, "
            f"{c['positions']:,} positions ({w['positions_stored']:,} new stored), "
            f"{c['static_reports']:,} static reports, {len(self.vessels):,} vessels; "
            f"skipped: {errors}"
        ]
        if w["db_errors"]:
            parts.append(
                f"database outages {w['db_errors']:,}, rows spilled to disk {w['spilled_rows']:,}"
            )
        if w["dead_rows"]:
            parts.append(
                f"{w['dead_rows']:,} rows refused by the database, set aside in the spill folder"
            )
        if w["recompute_requests"]:
            parts.append(f"{w['recompute_requests']:,} late periods queued for port-call recompute")
        if w["future_refused"] or w["dropped_rows"]:
            parts.append(
                f"refused ahead of time {w['future_refused']:,}, dropped (spill full) "
                f"{w['dropped_rows']:,}"
            )
        if self.writer.backlog_rows:
            parts.append(f"{self.writer.backlog_rows:,} rows still buffered")
        if self.layouts:
            parts.append(
                "read as " + "; ".join(f"{n}: {label}" for n, label in self.layouts.items())
            )
        if self.failed:
            parts.append("failed: " + "; ".join(self.failed))
        elapsed = max(time.monotonic() - self.started, 1e-9)
        parts.append(f"{elapsed:,.1f} s, {c['messages'] / elapsed:,.0f} messages/s")
        return "; ".join(parts)


def _chunk_worker(
    path: str,
    name: str,
    start: int,
    end: int,
    index: int,
    conninfo: str,
    sql: StoreSql,
    spill_dir: str,
    batch_rows: int,
    window: TimeWindow,
    results: Any,  # a multiprocessing queue
) -> None:
    """One worker process: decode and store the lines starting in [start, end)."""
    store = PositionStore(conninfo, sql, latest_interval_s=5.0)
    writer = BufferedWriter(store, Path(spill_dir)).start()
    ingest = Ingest(writer, batch_rows=batch_rows, flush_interval_s=0)
    error = ""
    try:
        blocks, tail = chunk_blocks(path, start, end)
        ingest.consume(blocks, name, tail=tail, chunk_head=index > 0, window=window)
    except BaseException as exc:  # reported to the parent, which fails the run
        error = f"{type(exc).__name__}: {exc}"
    finally:
        writer.close()
    if writer.error is not None:
        error = error or f"writer: {writer.error}"
    results.put((dict(ingest.counts), dict(writer.counts), list(ingest.vessels), error))
