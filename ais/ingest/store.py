"""Writing decoded AIS to PostGIS with COPY, without losing data when the database goes away.

`PositionStore.write_batch` stores one batch in one transaction: positions are copied
(binary COPY) into a temporary staging table and inserted into the monthly partitions with
ON CONFLICT DO NOTHING (a report seen twice is stored once), the latest position per vessel
is upserted (only when newer), vessels are created and their static data merged.

`BufferedWriter` runs a store on its own thread behind a bounded queue: the reader never
waits on the database. While the database is unreachable it keeps batches in memory up to
`max_memory_rows`, spills older ones to disk, reconnects with backoff, and writes
everything (oldest first) once the database is back. Replays are safe: the primary key
(mmsi, ts) makes every write idempotent.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

import psycopg

from core.periods import add_months

from . import spill
from .ais import Position, StaticReport
from .batch import Batch as Batch  # re-exported: callers build batches

log = logging.getLogger(__name__)
# Errors after which the same batch may succeed later (server gone, restarting, network).
TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError)
PARTITION_LOCK_TIMEOUT = "5s"
# A batch refused this many times in a row by a reachable server is set aside.
POISON_AFTER = 5
FUTURE_HORIZON = timedelta(days=1)
# Fields of a Position, for passes over a batch at C speed (map).
MMSI, TS, SOURCE = itemgetter(0), itemgetter(1), itemgetter(9)
# After a batch met reports already stored, this many more go straight to ON CONFLICT.
REPLAY_BATCHES = 20
# The port-call follower reads positions up to this long before now: a position stored
# later than that behind its time is "late" and its calls are recomputed.
LATE_AFTER_S = 120.0


def merge_statics(reports: Sequence[StaticReport]) -> list[dict[str, Any]]:
    """One row per vessel: later reports' non-null fields win (type 24 parts A and B merge)."""
    merged: dict[int, dict[str, Any]] = {}
    for r in reports:
        row = merged.setdefault(
            r.mmsi,
            {
                "mmsi": r.mmsi,
                "imo": None,
                "name": None,
                "callsign": None,
                "ship_type": None,
                "ais_class": "",
                "length_m": None,
                "beam_m": None,
                "draught_m": None,
                "destination": None,
                "ts": r.ts,
            },
        )
        row["ts"] = max(row["ts"], r.ts)
        row["ais_class"] = "A" if r.msg_type == 5 else "B"
        for key in ("imo", "name", "callsign", "ship_type", "draught_m", "destination"):
            value = getattr(r, key)
            if value is not None:
                row[key] = value
        if r.to_bow_m is not None or r.to_stern_m is not None:
            row["length_m"] = (r.to_bow_m or 0) + (r.to_stern_m or 0)
        if r.to_port_m is not None or r.to_starboard_m is not None:
            row["beam_m"] = (r.to_port_m or 0) + (r.to_starboard_m or 0)
    return list(merged.values())


@dataclass(frozen=True)
class StoreSql:
    """The statements a PositionStore runs, written by the app's database module
    (`ais.db.store_sql`, tables named through their models): this package holds no SQL.
    `static_columns` are the columns of `upsert_static`'s arrays, in order."""

    stage_ddl: str
    stage_copy: str
    stage_types: tuple[str, ...]
    clear_stage: str
    insert_vessels_seen: str
    insert_positions_new: str
    insert_positions: str
    upsert_latest: str
    static_columns: tuple[str, ...]
    upsert_static: str
    upsert_source: str
    request_recompute: str
    ensure_partition: str


class PositionStore:
    """Writes batches over one psycopg connection (`conninfo` libpq string or URL).

    The latest position per vessel is kept in memory and upserted at most every
    `latest_interval_s` (and at `flush_latest`), in the transaction of a batch: one row per
    vessel instead of one per report."""

    def __init__(
        self,
        conninfo: str,
        sql: StoreSql,
        connect_timeout_s: int = 5,
        latest_interval_s: float = 1.0,
        late_after_s: float = LATE_AFTER_S,
    ):
        self.conninfo = conninfo
        self.sql = sql
        self.late_after_s = late_after_s
        self.last_requests = 0  # recompute requests the last batch stored (0 or 1)
        self.connect_timeout_s = connect_timeout_s
        self.latest_interval_s = latest_interval_s
        self.conn: psycopg.Connection | None = None
        self._months: set[tuple[int, int]] = set()
        self._known: set[int] = set()
        self._latest: dict[int, Position] = {}
        self._latest_at = 0.0
        self._conflicts_left = 0  # batches still to insert with ON CONFLICT

    def connect(self) -> None:
        self.close()
        self.conn = psycopg.connect(
            self.conninfo, connect_timeout=self.connect_timeout_s, autocommit=False
        )
        with self.conn.cursor() as cur:
            cur.execute(self.sql.stage_ddl)
        self.conn.commit()
        self._months.clear()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def write_batch(self, batch: Batch, flush_latest: bool = False) -> int:
        """Store a batch in one transaction; returns how many positions were new."""
        if self.conn is None or self.conn.closed:
            self.connect()
        conn = self.conn
        assert conn is not None
        inserted = requested = 0
        latest = dict(self._latest)
        for p in batch.positions:
            held = latest.get(p.mmsi)
            if held is None or p.ts > held.ts:
                latest[p.mmsi] = p
        new_vessels = set(map(MMSI, batch.positions)) - self._known
        upsert_latest = flush_latest or time.monotonic() - self._latest_at >= self.latest_interval_s
        try:
            if batch.positions:
                self._ensure_partitions(conn, batch.positions)
            with conn.cursor() as cur:
                if batch.positions:
                    self._copy_stage(cur, batch.positions)
                    if new_vessels:
                        cur.execute(self.sql.insert_vessels_seen, (sorted(new_vessels),))
                    inserted = self._insert_positions(cur)
                    cur.execute(self.sql.request_recompute, (self.late_after_s,))
                    requested = cur.rowcount
                if upsert_latest and latest:
                    cur.execute(self.sql.clear_stage)
                    self._copy_stage(cur, list(latest.values()))
                    cur.execute(self.sql.upsert_latest)
                # Rows are locked in key order so that concurrent writers cannot deadlock.
                if batch.statics:
                    rows = merge_statics(batch.statics)
                    columns = self.sql.static_columns
                    cur.execute(
                        self.sql.upsert_static, [[row[name] for row in rows] for name in columns]
                    )
                for source, (last, n_pos, n_static) in sorted(_per_source(batch).items()):
                    cur.execute(self.sql.upsert_source, (source, last, n_pos, n_static))
            conn.commit()
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
            raise
        # Only now that the transaction is committed does the in-memory state move on.
        self.last_requests = requested
        self._known |= new_vessels
        if upsert_latest:
            self._latest.clear()
            self._latest_at = time.monotonic()
        else:
            self._latest = latest
        return inserted

    def _insert_positions(self, cur: psycopg.Cursor[Any]) -> int:
        """Move the staged positions into the partitions; returns how many were new. A
        plain insert first (under a savepoint); if a report is already stored, ON CONFLICT
        for this batch and the next `REPLAY_BATCHES` (a replay comes in runs)."""
        if self._conflicts_left > 0:
            self._conflicts_left -= 1
        else:
            cur.execute("SAVEPOINT positions")
            try:
                cur.execute(self.sql.insert_positions_new)
                inserted = cur.rowcount
                cur.execute("RELEASE SAVEPOINT positions")
                return inserted
            except psycopg.errors.UniqueViolation:
                cur.execute("ROLLBACK TO SAVEPOINT positions")
                self._conflicts_left = REPLAY_BATCHES
        cur.execute(self.sql.insert_positions)
        return cur.rowcount

    @property
    def holds_latest(self) -> bool:
        """Whether latest positions wait in memory for their upsert."""
        return bool(self._latest)

    def _copy_stage(self, cur: psycopg.Cursor[Any], positions: Sequence[Position]) -> None:
        with cur.copy(self.sql.stage_copy) as copy:
            copy.set_types(list(self.sql.stage_types))
            for p in positions:
                copy.write_row(p)

    def _ensure_partitions(self, conn: psycopg.Connection, positions: Sequence[Position]) -> None:
        """Create missing monthly partitions (and the next month's, ahead of need), each in
        a short transaction of its own. Creating a partition locks the parent table, so it
        gives up after `PARTITION_LOCK_TIMEOUT` rather than queue behind a long reader
        (the batch is then retried)."""
        months = {(t.year, t.month) for t in set(map(TS, positions))} - self._months
        for year, month in sorted(months):
            first = date(year, month, 1)
            for start in (first, add_months(first, 1)):
                conn.execute(f"SET LOCAL lock_timeout = '{PARTITION_LOCK_TIMEOUT}'")
                conn.execute(self.sql.ensure_partition, (start,))
                conn.commit()
            self._months.add((year, month))


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (psycopg's run on with context), or its kind."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _per_source(batch: Batch) -> dict[str, tuple[datetime, int, int]]:
    positions = batch.positions
    # Sorted by (source, time), a dict keeps each source's newest: passes at C speed.
    newest = dict(sorted(map(itemgetter(9, 1), positions)))
    stats: dict[str, list[Any]] = {
        source: [newest[source], n, 0] for source, n in Counter(map(SOURCE, positions)).items()
    }
    for r in batch.statics:
        s = stats.setdefault(r.source, [r.ts, 0, 0])
        s[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in stats.items()}


class BufferedWriter:
    """A PositionStore on a background thread with bounded memory and a disk spill.

    `submit` never blocks for long: batches go to a small queue; the thread moves them to
    its pending list and writes them. While the database is down, pending batches beyond
    `max_memory_rows` are spilled to `spill_dir` as data-only files (`spill`), oldest
    first, and read back in order; at most `max_spill_bytes` go to disk (beyond that a
    batch is dropped and counted, and `spill_full` tells file readers to wait).
    """

    def __init__(
        self,
        store: PositionStore,
        spill_dir: Path,
        max_memory_rows: int = 200_000,
        queue_batches: int = 8,
        retry_max_s: float = 10.0,
        max_spill_bytes: int = 2 << 30,
    ):
        self.store = store
        self.spill_dir = spill.private_dir(Path(spill_dir))
        self.max_memory_rows = max_memory_rows
        self.max_spill_bytes = max_spill_bytes
        self.retry_max_s = retry_max_s
        self.queue: queue.Queue[Batch | None] = queue.Queue(maxsize=queue_batches)
        self.pending: deque[Batch] = deque()
        self.pending_rows = 0
        self.spilled: deque[tuple[Path, int]] = deque()
        self._spilled_rows = 0
        self._spilled_bytes = 0
        self.counts: Counter[str] = Counter()
        self.error: BaseException | None = None
        self._open = True
        self._abandon = False
        self._thread = threading.Thread(target=self._run, name="ais-writer", daemon=True)
        # Batches spilled by an earlier run that died before writing them go first; files
        # that are not ours are set aside (never loaded, never blocking the start).
        found, self._spill_seq = spill.scan(self.spill_dir)
        for _seq, rows, path in found:
            self.spilled.append((path, rows))
            self._spilled_rows += rows
            self._spilled_bytes += path.stat().st_size

    def start(self) -> BufferedWriter:
        self._thread.start()
        return self

    def submit(self, batch: Batch) -> None:
        if self.error is not None:
            raise RuntimeError("the AIS writer stopped") from self.error
        # Whatever a decoder believed, nothing is stored more than a day ahead of now (no
        # partition for a far-off month, no vessel "live" in the future).
        horizon = datetime.now(UTC) + FUTURE_HORIZON
        if batch.positions and max(map(TS, batch.positions)) > horizon:
            kept = [p for p in batch.positions if p.ts <= horizon]
            self.counts["future_refused"] += len(batch.positions) - len(kept)
            batch = Batch(kept, batch.statics)
        if len(batch):
            self.queue.put(batch)

    def abandon(self) -> None:
        """Stop waiting for the database: what is not written yet goes to the spill folder
        (the next run writes it first). For a second Ctrl-C during an outage."""
        self._abandon = True

    def close(self, timeout: float | None = None) -> None:
        """Write everything still pending (waiting for the database if need be), then stop."""
        self.queue.put(None)
        self._thread.join(timeout)
        self.store.close()

    @property
    def backlog_rows(self) -> int:
        """Rows submitted but not yet stored (in the queue, in memory or on disk)."""
        return (
            self.pending_rows
            + self._spilled_rows
            + sum(len(b) for b in list(self.queue.queue) if b is not None)
        )

    # -- the thread ----------------------------------------------------------------------

    @property
    def spill_bytes(self) -> int:
        """Bytes of batches waiting on disk (the database away, or memory full)."""
        return self._spilled_bytes

    def _take(self, block: bool, timeout: float | None = None, drain: bool = False) -> None:
        """Move a queued batch (all of them with `drain`) to pending; note the end marker.

        While the database is up one batch at a time is taken, so a fast reader waits on
        the full queue (back-pressure); while it is down the queue is drained into memory
        and the excess spilled, so the reader is never blocked."""
        try:
            item = self.queue.get(block=block, timeout=timeout)
        except queue.Empty:
            return
        while True:
            if item is None:
                self._open = False
                break
            self.pending.append(item)
            self.pending_rows += len(item)
            if not drain:
                break
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
        while self.pending_rows > self.max_memory_rows and len(self.pending) > 1:
            batch = self.pending.popleft()
            self.pending_rows -= len(batch)
            self._spill(batch)

    @property
    def spill_full(self) -> bool:
        """Whether the spill folder has reached its cap (readers that can wait should)."""
        return self._spilled_bytes >= self.max_spill_bytes

    def _spill(self, batch: Batch) -> None:
        if self.spill_full:
            self.counts["dropped_rows"] += len(batch)
            log.error(
                "AIS spill folder %s is full (%d bytes): %d rows dropped",
                self.spill_dir,
                self._spilled_bytes,
                len(batch),
            )
            return
        path = self.spill_dir / f"batch-{self._spill_seq:09d}-{len(batch)}.json"
        self._spill_seq += 1
        size = spill.write(path, batch)
        self.spilled.append((path, len(batch)))
        self._spilled_rows += len(batch)
        self._spilled_bytes += size
        self.counts["spilled_batches"] += 1
        self.counts["spilled_rows"] += len(batch)

    def _next(self) -> tuple[Batch, Path | None] | None:
        """The oldest batch not yet written: spilled ones come before those in memory. A
        spilled file that cannot be read back is set aside, and the next one taken."""
        while self.spilled:
            path, rows = self.spilled[0]
            try:
                return spill.read(path), path
            except (OSError, ValueError, TypeError, KeyError) as exc:
                self.spilled.popleft()
                self._spilled_rows -= rows
                self._forget_bytes(path)
                spill.set_aside(path, f"unreadable ({exc})")
                self.counts["unreadable_spill_files"] += 1
        if self.pending:
            return self.pending[0], None
        return None

    def _forget_bytes(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            self._spilled_bytes = max(0, self._spilled_bytes - path.stat().st_size)

    def _done(self, batch: Batch, path: Path | None) -> None:
        """Forget a batch that is stored (or set aside)."""
        if path is not None:
            self.spilled.popleft()
            self._forget_bytes(path)
            path.unlink()
            self._spilled_rows -= len(batch)
            self.counts["unspilled_rows"] += len(batch)
        elif self.pending and batch is self.pending[0]:
            self.pending.popleft()
            self.pending_rows -= len(batch)

    def _dead_letter(self, batch: Batch, exc: BaseException) -> None:
        """Set aside a batch the server keeps refusing, so it cannot block the feed; it is
        kept on disk (dead-*.json) for inspection and replay."""
        path = self.spill_dir / f"dead-{self._spill_seq:09d}-{len(batch)}.json"
        self._spill_seq += 1
        spill.write(path, batch)
        self.counts["dead_batches"] += 1
        self.counts["dead_rows"] += len(batch)
        log.error(
            "%d rows refused (%s); set aside in %s",
            len(batch),
            first_line(exc),
            path,
        )

    def _count(self, batch: Batch, inserted: int) -> None:
        self.counts["positions_stored"] += inserted
        self.counts["recompute_requests"] += self.store.last_requests
        self.counts["positions_written"] += len(batch.positions)
        self.counts["static_written"] += len(batch.statics)
        self.counts["batches"] += 1

    def _write(self, batch: Batch, flush_latest: bool) -> int | None:
        """Store a batch; how many positions were new, or None when the server refused it
        for what it holds (bad data, a constraint): then its valid rows are written apart
        and only the refused ones set aside (`_salvage`), never blocking the feed. A lost
        connection (TRANSIENT), also in the middle of that, is raised: the whole batch is
        tried again later (what was written is not stored twice)."""
        try:
            return self.store.write_batch(batch, flush_latest=flush_latest)
        except TRANSIENT:
            raise
        except psycopg.Error as exc:
            self._salvage(batch, exc)
            return None

    def _salvage(self, batch: Batch, exc: BaseException) -> None:
        """A batch the server refused for what it holds: its halves are written apart, down
        to the single rows it refuses alone, which are set aside (dead-*.json). A row the
        decoder should have refused costs log2(batch) transactions, not the batch."""
        if len(batch) <= 1:
            self._dead_letter(batch, exc)
            return
        for part in batch.halves():
            try:
                inserted = self.store.write_batch(part)
            except TRANSIENT:
                raise
            except psycopg.Error as refused:
                self._salvage(part, refused)
            else:
                self._count(part, inserted)

    def _run(self) -> None:
        delay = 0.5
        failures = 0
        try:
            while self._open or self.pending or self.spilled or self.store.holds_latest:
                if self._abandon:
                    self._spill_all()
                    return
                if self._open and not self.pending:
                    self._take(block=not self.spilled, timeout=0.5)
                item = self._next()
                if item is None:
                    if self._open:
                        continue
                    item = (Batch(), None)  # closing: only the latest positions are left
                batch, path = item
                last = not self._open and len(self.pending) + len(self.spilled) <= 1
                try:
                    inserted = self._write(batch, last)
                except TRANSIENT as exc:
                    if self.store.conn is not None and not self.store.conn.broken:
                        # The server answered: the batch itself may be at fault.
                        failures += 1
                        if failures >= POISON_AFTER:
                            self._dead_letter(batch, exc)
                            self._done(batch, path)
                            failures = 0
                            continue
                    self.counts["db_errors"] += 1
                    log.warning(
                        "database unavailable (%s); %d rows buffered, retry in %.1f s",
                        first_line(exc),
                        self.backlog_rows,
                        delay,
                    )
                    self.store.close()
                    self._wait(delay)
                    delay = min(delay * 2, self.retry_max_s)
                    continue
                delay = 0.5
                failures = 0
                if inserted is not None:
                    self._count(batch, inserted)
                self._done(batch, path)
        except BaseException as exc:  # a bug or a database error that retrying cannot fix
            self.error = exc
            log.exception("AIS writer stopped; unwritten batches are kept in %s", self.spill_dir)
            self._spill_all()

    def _spill_all(self) -> None:
        """Move every batch not yet written (memory and queue) to the spill folder."""
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                self.pending.append(item)
                self.pending_rows += len(item)
        while self.pending:
            batch = self.pending.popleft()
            self.pending_rows -= len(batch)
            self._spill(batch)

    def _wait(self, seconds: float) -> None:
        """Sleep, but keep draining the queue so the reader is never blocked."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0 and not self._abandon:
            if self._open:
                self._take(block=True, timeout=min(0.2, left), drain=True)
            else:
                time.sleep(min(0.2, left))
