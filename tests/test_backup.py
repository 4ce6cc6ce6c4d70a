"""Backup, restore and point-in-time recovery (issue 19), on clusters of their own.

A populated system (seed, a week of simulated AIS with its port calls and operator figures,
a day of trains, an export file and a GeoParquet month) is backed up, destroyed, restored
into a freshly created cluster: every table's row count and checksum, every archive and
export file byte for byte, and the API's answers to a fixed set of requests byte for byte
are as before. PITR: a cluster archiving its WAL, recovered to a moment between two writes,
keeps the first and not the second."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import ROOT, free_port

pytestmark = pytest.mark.slow
PG = [str(ROOT / "scripts" / "pg.sh")]

ANSWERS = """
import hashlib, json
from django.contrib.auth import get_user_model
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="admin"))
out = {}
for url in URLS:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    out[url] = [response.status_code, hashlib.sha256(body).hexdigest()]
print(json.dumps(out))
"""
URLS = [
    "/api/nodes/",
    "/api/routes/",
    "/api/route-segments/",
    "/api/geofences/",
    "/api/coverage/",
    "/api/throughput/?limit=500",
    "/api/port-calls/?limit=500",
    "/api/vessels/?limit=500",
    "/api/trains/?limit=500&status=arrived",  # a running train moves with the clock
    "/api/rail-events/?limit=500",
    "/api/ports/QZ_PORT/rules/",
]
CHECKSUMS = """
import json
from django.db import connection
from core.backup import table_checksums
with connection.cursor() as cursor:
    print(json.dumps(table_checksums(cursor)))
"""


def cluster(var: Path, **extra: str) -> dict:
    """A cluster of its own in `var` (started, not migrated) and the environments to use
    it: `env` for scripts/pg.sh, `app` for manage.py."""
    var.mkdir(parents=True, exist_ok=True)
    var.chmod(0o755)  # the postgres user must reach it when we run as root
    env = {**os.environ, "CW_VAR_DIR": str(var), "CW_PGPORT": str(free_port()), **extra}
    subprocess.run([*PG, "start"], env=env, check=True, capture_output=True)
    url = (var / "database_url").read_text().strip()
    app = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "k" * 60,
        "CW_ARCHIVE_DIR": str(var / "archive"),
        "CW_EXPORT_DIR": str(var / "exports"),
        "CW_DEMO_PASSWORD": "demo-password-1",
        "CW_BACKUP_DIR": str(var / "backups"),
    }
    app.pop("CW_VAR_DIR", None)
    return {"env": env, "app": app, "var": var, "url": url}


def drop(c: dict) -> None:
    subprocess.run([*PG, "stop"], env=c["env"], capture_output=True)
    shutil.rmtree(os.path.realpath(c["var"] / "postgres"), ignore_errors=True)
    shutil.rmtree(f"{os.path.realpath(c['var'] / 'postgres')}-wal", ignore_errors=True)
    shutil.rmtree(c["var"], ignore_errors=True)


def manage(c: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=c["app"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def shell(c: dict, code: str) -> dict:
    return json.loads(manage(c, "shell", "-c", code).strip().splitlines()[-1])


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def tmp():
    path = Path(tempfile.mkdtemp(prefix="cw-backup-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def populate(c: dict, tmp: Path) -> None:
    manage(c, "migrate", "-v0")
    manage(c, "load_corridor")
    # The passwords into the scratch folder (the default is the checkout's own .var: a
    # developer's demo passwords were overwritten by this test's).
    manage(c, "demo_accounts", "create", "--password-file", str(c["var"] / "demo-accounts.txt"))
    manage(c, "backfill_demo", "--weeks", "1", "--ships", "6", "--arrivals", "0.5")
    trains = tmp / "trains.jsonl"
    manage(c, "simulate_rail", "--out", str(trains), "--days", "1")
    manage(c, "ingest_rail", str(trains))
    # an export file and a GeoParquet month of positions
    made = (
        "from django.contrib.auth import get_user_model\n"
        "from exports.services import jobs\n"
        "u = get_user_model().objects.get(username='analyst')\n"
        "job = jobs.create_job(u, 'segments', 'gpkg', 4326, {})\n"
        "print(jobs.run_job(job.pk).state)\n"
    )
    assert manage(c, "shell", "-c", made).strip().endswith("done")
    months = (
        "import json\nfrom django.db import connection\n"
        "with connection.cursor() as cur:\n"
        "    cur.execute(\"SELECT to_char(min(ts), 'YYYY-MM') FROM ports_vesselposition\")\n"
        "    print(json.dumps(cur.fetchone()[0]))\n"
    )
    month = shell(c, months)
    manage(c, "archive_positions", month)


def test_backup_destroy_restore_gives_back_every_row_file_and_answer(tmp):
    first = cluster(tmp / "first")
    try:
        populate(first, tmp)
        answers = shell(first, f"URLS = {URLS!r}\n{ANSWERS}")
        assert all(status == 200 for status, _ in answers.values()), answers
        sums = shell(first, CHECKSUMS)
        counts = shell(
            first,
            "import json\nfrom django.db import connection\nfrom core.backup import "
            "table_counts\nwith connection.cursor() as c:\n    print(json.dumps(table_counts(c)))",
        )
        assert counts["public.ports_throughputreport"] > 0 and counts["public.rail_train"] > 0
        assert sum(v for t, v in counts.items() if "vesselposition" in t) > 1000
        files = {
            "archive": files_of(tmp / "first" / "archive"),
            "exports": files_of(tmp / "first" / "exports"),
        }
        assert files["archive"] and files["exports"]
        out = manage(first, "backup", str(tmp / "backups"))
        [folder] = (tmp / "backups").iterdir()
        assert str(folder) in out and oct(folder.stat().st_mode)[-3:] == "700"
    finally:
        drop(first)  # destroyed: database, archive and exports
    assert not (tmp / "first").exists()

    second = cluster(tmp / "second")
    try:
        # the same file places as the first system had, new and empty
        second["app"]["CW_ARCHIVE_DIR"] = str(tmp / "first" / "archive")
        second["app"]["CW_EXPORT_DIR"] = str(tmp / "first" / "exports")
        out = manage(second, "restore", str(folder))
        assert "restored" in out
        assert shell(second, CHECKSUMS) == sums
        assert shell(second, f"URLS = {URLS!r}\n{ANSWERS}") == answers
        assert files_of(tmp / "first" / "archive") == files["archive"]
        assert files_of(tmp / "first" / "exports") == files["exports"]
        # a second restore over it needs --clean, and gives the same again
        refused = subprocess.run(
            [sys.executable, "manage.py", "restore", str(folder)],
            cwd=ROOT,
            env=second["app"],
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0 and "not empty" in refused.stderr
        manage(second, "restore", str(folder), "--clean")
        assert shell(second, CHECKSUMS) == sums
        # what --clean replaced was saved first
        [safety] = (tmp / "second" / "backups").iterdir()
        assert safety.name.endswith("-before-restore")
    finally:
        drop(second)


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp):
    first = cluster(tmp / "first")
    try:
        manage(first, "migrate", "-v0")
        manage(first, "load_corridor")
        manage(first, "backup", str(tmp / "backups"))
        [folder] = (tmp / "backups").iterdir()
        dump = folder / "database.dump"
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
        result = subprocess.run(
            [sys.executable, "manage.py", "restore", str(folder), "--clean"],
            cwd=ROOT,
            env=first["app"],
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0 and "checksum differs" in result.stderr
        assert int(shell(first, "from geo.models import Node; print(Node.objects.count())")) > 0
    finally:
        drop(first)


def pg_args(c: dict) -> tuple[list[str], dict]:
    """libpq client arguments and environment for a cluster of `cluster()`."""
    password = (c["var"] / "db_password").read_text().strip()
    args = [
        "-h",
        "127.0.0.1",
        "-p",
        c["env"]["CW_PGPORT"],
        "-U",
        "corridor",
        "-d",
        "corridor_watch",
    ]
    return args, {**os.environ, "PGPASSWORD": password}


def psql(c: dict, sql: str) -> str:
    args, env = pg_args(c)
    result = subprocess.run(
        ["psql", "-X", "-tA", "-v", "ON_ERROR_STOP=1", *args, "-c", sql],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_point_in_time_recovery_keeps_the_first_write_and_not_the_second(tmp):
    first = cluster(tmp / "first", CW_WAL_ARCHIVE="1")
    wal = Path(f"{os.path.realpath(first['var'] / 'postgres')}-wal")
    try:
        # archiving was configured at creation, before the first start
        assert psql(first, "SHOW archive_mode") == "on"
        psql(first, "CREATE TABLE written (n int, at timestamptz DEFAULT clock_timestamp())")
        base = (
            subprocess.run(
                [*PG, "basebackup", str(tmp / "base")],
                env=first["env"],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        psql(first, "INSERT INTO written (n) VALUES (1)")
        time.sleep(1.2)
        moment = psql(
            first,
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00')",
        )
        time.sleep(1.2)
        psql(first, "INSERT INTO written (n) VALUES (2)")
        segment = psql(first, "SELECT pg_walfile_name(pg_current_wal_lsn())")
        psql(first, "SELECT pg_switch_wal()")
        deadline = time.monotonic() + 60
        while not (wal / segment).exists():
            assert time.monotonic() < deadline, "the WAL segment was not archived"
            time.sleep(0.2)
        assert psql(first, "SELECT string_agg(n::text, ',' ORDER BY n) FROM written") == "1,2"

        var = tmp / "recovered"
        var.mkdir()
        var.chmod(0o755)
        shutil.copy(first["var"] / "db_password", var / "db_password")
        env = {**os.environ, "CW_VAR_DIR": str(var), "CW_PGPORT": str(free_port())}
        result = subprocess.run(
            [*PG, "recover", base, str(wal), moment], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-2000:]
        recovered = {"env": env, "var": var}
        try:
            assert psql(recovered, "SELECT string_agg(n::text, ',') FROM written") == "1"
            psql(recovered, "INSERT INTO written (n) VALUES (3)")  # open for writing
        finally:
            drop(recovered)
    finally:
        drop(first)
