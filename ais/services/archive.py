"""Archiving closed months of positions to GeoParquet (see ais.geoparquet), and detaching
them from PostgreSQL once the file is checked."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.files import sha256_of

from .. import db
from ..geoparquet import MonthWriter, archive_files

FETCH = 50_000


class ArchiveRefused(Exception):
    """The month cannot be archived (open, empty, or unknown); the message says why."""


@dataclass(frozen=True)
class ArchivedMonth:
    month: str
    path: str
    rows: int
    sha256: str
    detached: bool


def archive_dir() -> Path:
    return Path(settings.CW_ARCHIVE_DIR)


def archive_month(
    month: date, detach: bool = False, directory: Path | None = None
) -> ArchivedMonth:
    """Write the positions of a closed month (UTC) to GeoParquet, read the file back to
    check its row count, and, when `detach`, detach the month's partition from the
    positions table and drop it (its rows then live in the file only). A month with
    positions already archived gets a further file for the rows stored since."""
    month = month.replace(day=1)
    now = timezone.now()
    if (month.year, month.month) >= (now.year, now.month):
        raise ArchiveRefused(f"{month:%Y-%m} is not closed yet")
    if not db.partition_exists(month):
        raise ArchiveRefused(f"no positions stored for {month:%Y-%m}")
    rows = db.partition_rows(month)
    if not rows:
        raise ArchiveRefused(f"no positions stored for {month:%Y-%m}")
    directory = directory or archive_dir()
    directory.mkdir(parents=True, exist_ok=True)
    earlier = [e for e in read_manifest(directory) if e["month"] == f"{month:%Y-%m}"]
    if earlier and not earlier[-1]["detached"]:
        # Written, still in the database too: detach it if nothing came in since, else
        # refuse (a second file would hold every row twice).
        last = ArchivedMonth(**{k: earlier[-1][k] for k in ArchivedMonth.__dataclass_fields__})
        if not detach or last.rows != rows or not Path(last.path).exists():
            raise ArchiveRefused(
                f"{month:%Y-%m} is archived in {Path(last.path).name} and still stored: "
                "archive it with --detach (if no position came in since) or remove that file"
            )
        _detach(month, rows)
        return _record(directory, ArchivedMonth(**{**asdict(last), "detached": True}))
    taken = {p.name for p in archive_files(directory)}
    name, n = f"positions-{month:%Y-%m}.parquet", 1
    while name in taken:
        n += 1
        name = f"positions-{month:%Y-%m}-{n}.parquet"
    path = directory / name
    writer = MonthWriter(path)
    try:
        for batch in db.read_partition(month, FETCH):
            writer.write(batch)
        written = writer.close()
    except BaseException:
        writer.abandon()
        raise
    import pyarrow.parquet as pq

    if pq.ParquetFile(path).metadata.num_rows != rows or written != rows:
        path.unlink()
        raise ArchiveRefused(f"{month:%Y-%m}: the file does not hold the {rows} rows; removed")
    result = _record(
        directory, ArchivedMonth(f"{month:%Y-%m}", str(path), rows, sha256_of(path), False)
    )
    if detach:
        _detach(month, rows)
        result = _record(directory, ArchivedMonth(**{**asdict(result), "detached": True}))
    return result


def _detach(month: date, rows: int) -> None:
    """Detach and drop a month's partition, unless rows came in after it was written (a
    late report): then nothing is dropped and the caller is told to archive again."""
    if not db.detach_partition(month, rows):
        raise ArchiveRefused(
            f"{db.partition_name(month)}: positions came in while archiving; archive again"
        )


def read_manifest(directory: Path) -> list[dict[str, Any]]:
    path = directory / "manifest.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _record(directory: Path, result: ArchivedMonth) -> ArchivedMonth:
    entry = {**asdict(result), "at": datetime.now(UTC).isoformat()}
    with (directory / "manifest.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
    return result
