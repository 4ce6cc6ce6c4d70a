"""Backup and restore of a whole system: the database, the GeoParquet archive with its
manifest, the export files and the settings that matter, in one dated folder with a
SHA-256 of every file (MANIFEST.json).

The database is dumped by `pg_dump` (custom format) from a snapshot exported by a
repeatable-read transaction, in which the row count of every table is read too: the counts
in the manifest are those of the dump, whatever is written meanwhile. `restore` checks every
checksum first, loads the dump into an empty database (or one it may clean) in one
transaction, checks the row counts against the manifest, then puts the files back.
Point-in-time recovery of the embedded cluster (WAL archiving and base backups) is
`scripts/pg.sh`'s (README "Backup and restore").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from .database import db_conninfo, libpq_env
from .files import sha256_of

FORMAT = 1
DUMP = "database.dump"
MANIFEST = "MANIFEST.json"
# Settings a restored system needs to behave as the saved one (values, never secrets;
# the secret key is kept as a file of its own, secrets/secret_key, mode 0600).
SETTINGS = (
    "CW_TOKEN_DAYS",
    "CW_REPORT_DUE_DAY",
    "CW_PUNCTUALITY_MIN",
    "CW_RAIL_DAY_CLOSE",
    "CW_TRANSFER_THRESHOLD_H",
    "CW_AIS_GAP_H",
    "CW_EXPORT_DAYS",
    "CW_EXPORT_INLINE_ROWS",
    "CW_EXPORT_QUEUED",
    "CW_PUBLIC_LAYERS",
    "CW_TILE_URL",
    "CW_TILE_ATTRIBUTION",
    "CW_TILE_DATUM",
    "CW_TIANDITU_LAYER",
    "CW_TIANDITU_MATRIX",
    "CW_TIANDITU_URL",
    "CW_MAP_APPROVAL",
    "CW_AUDIT_RETENTION_DAYS",
    "LANGUAGE_CODE",
    "TIME_ZONE",
)


class BackupError(Exception):
    """A backup or restore that cannot go on; says why."""


@dataclass(frozen=True)
class Restored:
    folder: Path
    tables: int
    rows: int
    files: int


def pg_tool(name: str) -> str:
    """The PostgreSQL client program `name` of the server's major version when installed."""
    for folder in (os.environ.get("PGBIN", ""), "/usr/lib/postgresql/15/bin"):
        candidate = Path(folder) / name
        if folder and candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (postgresql-client-15)")
    return found


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(args, env=libpq_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


def user_tables(cursor: Any) -> list[str]:
    """The tables holding data, partitions as their own (qualified, quoted names)."""
    cursor.execute(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND c.relname <> 'spatial_ref_sys' "
        "ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def table_counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for table in user_tables(cursor):
        cursor.execute(f"SELECT count(*) FROM {table}")  # names from the catalogue, quoted
        counts[table] = int(cursor.fetchone()[0])
    return counts


def table_checksums(cursor: Any) -> dict[str, str]:
    """An MD5 of every table's rows in a fixed order (for comparing two databases; reads
    every row: a test's or an audit's tool, not part of every backup)."""
    out = {}
    for table in user_tables(cursor):
        cursor.execute(
            f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {table} t"
        )
        out[table] = cursor.fetchone()[0]
    return out


@contextmanager
def _snapshot() -> Iterator[tuple[str, dict[str, int]]]:
    """An exported snapshot id held open, and the row counts as of that snapshot."""
    import psycopg

    with psycopg.connect(db_conninfo(), autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        with conn.cursor() as cursor:
            counts = table_counts(cursor)
        yield row[0], counts
        conn.rollback()


def _copy_tree(source: Path, target: Path) -> int:
    """Copy the files under `source` (links not followed) to `target`; how many."""
    if not source.is_dir():
        return 0
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            count += 1
    return count


def _files_of(folder: Path) -> dict[str, dict[str, Any]]:
    """The SHA-256 and size of every file in a backup folder (its manifest's `files`)."""
    return {
        str(path.relative_to(folder)): {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _versions(cursor: Any) -> dict[str, Any]:
    cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
    server, postgis = cursor.fetchone()
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    migrations = dict(cursor.fetchall())
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True
    ).stdout.strip()
    return {"postgresql": server, "postgis": postgis, "migrations": migrations, "commit": commit}


def backup(destination: Path, now: datetime | None = None, label: str = "") -> Path:
    """Save the whole system into a new folder under `destination`; returns it. The folder
    appears whole or not at all (written as `.partial`, renamed when complete)."""
    now = now or datetime.now(UTC)
    destination.mkdir(parents=True, exist_ok=True)
    name = f"corridor-watch-{now:%Y%m%dT%H%M%SZ}" + (f"-{label}" if label else "")
    final = destination / name
    if final.exists():
        raise BackupError(f"{final} exists already")
    work = Path(tempfile.mkdtemp(prefix=f"{name}.", suffix=".partial", dir=destination))
    try:
        with _snapshot() as (snapshot, counts):
            _run(
                [
                    pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={work / DUMP}",
                ],
                "pg_dump",
            )
        _copy_tree(Path(settings.CW_ARCHIVE_DIR), work / "archive")
        _copy_tree(Path(settings.CW_EXPORT_DIR), work / "exports")
        secret = Path(settings.VAR_DIR) / "secret_key"
        if secret.is_file():
            (work / "secrets").mkdir(mode=0o700)
            shutil.copy2(secret, work / "secrets" / "secret_key")
            os.chmod(work / "secrets" / "secret_key", 0o600)
        values = {name: getattr(settings, name, None) for name in SETTINGS}
        (work / "settings.json").write_text(json.dumps(values, indent=1, default=str) + "\n")
        files = _files_of(work)
        with connection.cursor() as cursor:
            versions = _versions(cursor)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "versions": versions,
            "tables": counts,
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        os.chmod(work, 0o700)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def verify(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, after checking every file's size and SHA-256."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in {folder}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for rel, expected in manifest["files"].items():
        path = folder / rel
        if not path.is_file() or path.stat().st_size != expected["bytes"]:
            raise BackupError(f"{rel}: missing or of another size")
        if sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{rel}: checksum differs (damaged or changed)")
    return manifest


def _database_is_empty(cursor: Any) -> bool:
    return not user_tables(cursor)


DROP_SQL = """
SELECT format('DROP %s IF EXISTS %s CASCADE', kind, name) FROM (
  SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
         WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, c.oid::regclass::text AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    AND NOT c.relispartition
    -- an extension's own, or a sequence a column owns (dropped with its table)
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND (
      d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))
    ))
  UNION ALL
  SELECT 'FUNCTION', p.oid::regprocedure::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
) objects ORDER BY kind <> 'TABLE', kind
"""


def _drop_user_objects() -> None:
    """Drop what the saved system's schema would create again (tables, sequences, views,
    functions), never the extensions' own objects (PostGIS stays)."""
    with connection.cursor() as cursor:
        cursor.execute(DROP_SQL)
        statements = [row[0] for row in cursor.fetchall()]
        for statement in statements:
            cursor.execute(statement)


def restore(folder: Path, clean: bool = False, safety_dir: Path | None = None) -> Restored:
    """Bring a backup back: into an empty database, in one transaction; `clean` replaces
    what the database holds, after saving it first (a backup into `safety_dir`, default
    CW_BACKUP_DIR: nothing is lost if this is the wrong folder). Then the archive and
    export files (those present are moved aside to `<folder>.before-restore-<time>`)."""
    manifest = verify(folder)
    with connection.cursor() as cursor:
        empty = _database_is_empty(cursor)
    if not empty and not clean:
        raise BackupError("the database is not empty: restore into a new one, or pass --clean")
    if not empty:
        backup(Path(safety_dir or settings.CW_BACKUP_DIR), label="before-restore")
        with transaction.atomic():
            _drop_user_objects()
    connection.close()  # pg_restore needs the tables we would hold open
    listing = subprocess.run(
        [pg_tool("pg_restore"), "--list", str(folder / DUMP)],
        env=libpq_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # An extension's comment belongs to its owner: a non-superuser role cannot restore it.
    wanted = "\n".join(line for line in listing.splitlines() if "COMMENT - EXTENSION" not in line)
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as fh:
        fh.write(wanted)
        list_file = fh.name
    try:
        _run(
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--use-list={list_file}",
                f"--dbname={libpq_env()['PGDATABASE']}",
                str(folder / DUMP),
            ],
            "pg_restore",
        )
    finally:
        os.unlink(list_file)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        counts = table_counts(cursor)
    saved = manifest["tables"]
    if {t: n for t, n in counts.items() if t in saved} != saved:
        differing = sorted(t for t in saved if counts.get(t) != saved[t])
        raise BackupError(f"row counts differ after restore: {', '.join(differing[:10])}")
    files = 0
    for sub, target in (("archive", settings.CW_ARCHIVE_DIR), ("exports", settings.CW_EXPORT_DIR)):
        files += _put_back(folder / sub, Path(target))
    return Restored(folder, len(saved), sum(saved.values()), files)


def _put_back(source: Path, target: Path) -> int:
    if not source.is_dir():
        return 0
    if target.exists() and any(target.iterdir()):
        aside = target.with_name(f"{target.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        target.rename(aside)
    target.mkdir(parents=True, exist_ok=True)
    return _copy_tree(source, target)
