"""Fuzzing the whole OpenAPI (issues 7 and 19): schemathesis, against the system served over
real HTTP on a cluster of its own (the fuzzer's writes must not touch the test database),
with an administrator's token and with no credentials at all, finds no 5xx and no answer
that does not match its schema (issue 21: response_schema_conformance); its values include
NUL and control characters and dates near year 1 and 9999 (tests/fuzz/hooks.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import ROOT, free_port

pytestmark = pytest.mark.slow
FIXTURE = ROOT / "ais" / "tests" / "fixtures" / "ais_sample.nmea"
# Examples an operation (CW_FUZZ_EXAMPLES): 20 keeps the administrator's run near two and a
# half minutes of the suite's twelve.
EXAMPLES = int(os.environ.get("CW_FUZZ_EXAMPLES", "20"))


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def served(module_cluster, tmp_path_factory):
    """The system served once for both runs (the administrator's first)."""
    tmp_path = tmp_path_factory.mktemp("served")
    env = {**module_cluster["app_env"], "CW_ANON_RATE": "1000000/min", "CW_VAR_DIR": str(tmp_path)}
    manage(env, "load_corridor")
    manage(env, "ingest_ais", str(FIXTURE), "--spill-dir", str(tmp_path / "spill"), "--no-progress")
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "from accounts.models import Profile\n"
        "from geo.models import Geofence\n"
        "u = get_user_model().objects.create_user('fuzzer')\n"
        "Profile.objects.create(user=u, role='admin')\n"
        "fence = Geofence.objects.current().get(node__code='QZ_PORT', kind='berth')\n"
        "print(Token.objects.create(user=u).key, fence.pk)\n"
    )
    token, fence_id = manage(env, "shell", "-c", script).split()[-2:]
    port = free_port()
    log = (tmp_path / "server.log").open("w")  # a pipe left unread would fill and block it
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            "--threads=8",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.3)
    yield {"base": base, "token": token, "fence_id": fence_id, "env": env}
    server.terminate()
    server.wait(timeout=30)
    log.close()


def schemathesis(
    definition: str,
    url: str,
    checks: str,
    seed: str,
    env: dict,
    config: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    examples: int = EXAMPLES,
) -> subprocess.CompletedProcess:
    """schemathesis run over `definition` against `url`, the same way for every run
    (`config`: its options before `run`; `extra`: more options of the run)."""
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            *config,
            "run",
            definition,
            "--url",
            url,
            *extra,
            "--checks",
            checks,
            "--max-examples",
            str(examples),
            "--seed",
            seed,
            "--generation-database",
            "none",
            "--request-timeout",
            "60",
            # One worker: two threads sometimes crash the fuzzer itself (CPython 3.11's
            # ast.parse, which hypothesis uses to describe strategies, is not thread-safe:
            # "AST constructor recursion depth mismatch"); that is not the API's fault.
            "--workers",
            "1",
            "--no-color",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.mark.parametrize("who", ["administrator", "anonymous"])
def test_the_whole_api_answers_no_5xx_to_fuzzing(served, who, tmp_path):
    headers = ["-H", f"Authorization: Token {served['token']}"] if who == "administrator" else []
    config = ("--config-file", str(ROOT / "tests" / "fuzz" / "schemathesis.toml"))
    result = schemathesis(
        str(ROOT / "openapi.yaml"),
        served["base"],
        "not_a_server_error,response_schema_conformance",
        "20261127",
        {
            **served["env"],
            "FUZZ_MMSI": "413000001",
            "FUZZ_FENCE_ID": served["fence_id"],
            # NUL, control characters and year-1/9999 dates in any one value (issue 19)
            "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        },
        config,
        (*headers, "--report", "junit", "--report-dir", str(tmp_path)),
        # Anonymous callers meet the same refusal on nearly every operation (401, or the
        # public layers): fewer examples find what there is to find.
        EXAMPLES if who == "administrator" else max(EXAMPLES * 2 // 5, 5),
    )
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary + result.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert counts and counts[1] == counts[2] and int(counts[1]) > 500, summary


def test_the_ogc_api_answers_no_5xx_to_fuzzing(served, tmp_path):
    """The OGC API - Features definition (/ogc/api) fuzzed as the administrator: bad
    bboxes, CRSs, datetimes, limits and ids are 4xx, never a 5xx."""
    definition = tmp_path / "ogc.json"
    definition.write_bytes(requests.get(f"{served['base']}/ogc/api", timeout=30).content)
    result = schemathesis(
        str(definition),
        f"{served['base']}/ogc",
        "not_a_server_error",
        "20261206",
        served["env"],
        extra=("-H", f"Authorization: Token {served['token']}"),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "items" in result.stdout  # the operations were run
