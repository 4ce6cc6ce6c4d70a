"""Upgrade (issue 19): a database populated by an earlier release (tests/fixtures/upgrade:
a dump made by that release's own migrations, seed, backfill, trains, alerts and the rest
through its own code, every table non-empty; scripts/upgrade_fixture.sh makes it) is
migrated to main on a cluster of its own: no row is lost, the figures read from the data
are unchanged, the seed loader keeps what it finds, and main's API reads it all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.support import ROOT
from tests.test_backup import cluster, drop, manage, pg_args, tmp  # noqa: F401  (fixture)
from tests.upgrade_figures import AHEAD_PREFIX, GROWING, describe

pytestmark = pytest.mark.slow
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "upgrade").glob("*.dump"))


@pytest.mark.parametrize("dump", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_an_earlier_release_migrates_to_main_without_loss(tmp, dump: Path):  # noqa: F811
    before = json.loads(dump.with_suffix(".json").read_text())
    assert not [
        t for t, n in before["tables"].items() if n == 0 and not t.startswith(AHEAD_PREFIX)
    ], "the fixture must fill every table"
    c = cluster(tmp / "upgrade")
    dsn = c["url"].replace("postgis://", "postgresql://", 1)
    try:
        args, env = pg_args(c)
        restored = subprocess.run(
            [
                "/usr/lib/postgresql/15/bin/pg_restore",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        assert restored.returncode == 0, restored.stderr[-2000:]
        with psycopg.connect(dsn) as conn:
            assert describe(conn) == {k: before[k] for k in ("tables", "figures")}

        manage(c, "migrate", "-v0")
        with psycopg.connect(dsn) as conn:
            after = describe(conn)
        lost = {
            t: (n, after["tables"].get(t))
            for t, n in before["tables"].items()
            if after["tables"].get(t, -1) < n or (t not in GROWING and after["tables"][t] != n)
        }
        assert lost == {}, f"rows lost or changed in number: {lost}"
        assert after["figures"] == before["figures"]

        # the seed loader keeps what it finds, and fills what main's seed adds
        manage(c, "load_corridor")
        with psycopg.connect(dsn) as conn:
            again = describe(conn)
        assert again["figures"]["port calls by node"] == before["figures"]["port calls by node"]
        assert again["figures"]["positions"] == before["figures"]["positions"]

        # main reads everything the earlier release wrote
        urls = [
            "/api/nodes/",
            "/api/routes/",
            "/api/throughput/?limit=1000",
            "/api/port-calls/?limit=1000",
            "/api/trains/?limit=1000",
            "/api/alerts/",
            "/api/exports/",
            "/api/ports/QZ_PORT/metrics/",
            "/report/",
            "/review/",
        ]
        script = (
            "import json\nfrom django.contrib.auth import get_user_model\n"
            "from django.test import Client\n"
            "c = Client(HTTP_HOST='127.0.0.1')\n"
            "c.force_login(get_user_model().objects.get(username='admin'))\n"
            f"print(json.dumps({{u: c.get(u).status_code for u in {urls!r}}}))\n"
        )
        statuses = json.loads(manage(c, "shell", "-c", script).strip().splitlines()[-1])
        assert all(code in (200, 403) for code in statuses.values()), statuses
        # the old release's demo password still logs in (users' accounts are kept)
        login = (
            "from django.contrib.auth import get_user_model\n"
            "print(get_user_model().objects.get(username='analyst')"
            ".check_password('Old-release-pw-1'))"
        )
        assert manage(c, "shell", "-c", login).strip().endswith("True")
    finally:
        drop(c)


def test_the_fixture_script_is_the_one_documented():
    script = (ROOT / "scripts" / "upgrade_fixture.sh").read_text()
    assert "tests/upgrade_figures.py" in script and "fill.py" in script
    assert (
        subprocess.run([sys.executable, "-c", "import tests.upgrade_figures"], cwd=ROOT).returncode
        == 0
    )
