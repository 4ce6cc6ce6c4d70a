"""The offline install (issue 18, item 3): `scripts/bundle.sh` builds one archive with the
source, every wheel, the Debian packages and their dependencies, the static files and the
data; `scripts/bundle_check.sh` shows its Debian packages install on a bare Debian from the
bundle alone, then installs and starts the whole system in a network namespace with no
route out (only loopback)."""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def norm(name: str) -> str:
    """A distribution's name as wheel file names and pins compare (PEP 503)."""
    return re.sub(r"[-_.]+", "_", name).lower()


@pytest.fixture
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle")
    yield path
    # ~2 GB once installed: removed in the background (the next test need not wait for it)
    subprocess.Popen(["rm", "-rf", str(path)], start_new_session=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="a network namespace needs root (unshare -n)")
@pytest.mark.skipif(
    (ROOT / "bundle" / "wheels").is_dir(),
    reason="this checkout is an unpacked bundle on its offline machine: building one needs "
    "the package registries (the connected machine's `make test` ran this test)",
)
def test_the_bundle_installs_and_starts_with_no_network(workdir):
    archive = workdir / "corridor-watch-bundle.tar"
    built = subprocess.run(
        ["scripts/bundle.sh", "--out", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        member = tar.extractfile("corridor-watch/bundle/MANIFEST")
        assert member is not None
        manifest = member.read().decode()
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    pins = [norm(line.split("==")[0]) for line in lock if "==" in line]
    wheels = {norm(Path(n).name.split("-")[0]) for n in names if n.endswith(".whl")}
    assert set(pins) <= wheels, f"pinned but not bundled: {sorted(set(pins) - wheels)}"
    debs = {Path(n).name.split("_")[0] for n in names if n.endswith(".deb")}
    assert {"postgresql-15", "postgresql-15-postgis-3", "chromium", "python3.11-venv"} <= debs
    assert "corridor-watch/data/gis/basemap/maritime_chn.geojson" in names
    assert any(n.startswith("corridor-watch/bundle/static/") for n in names)
    assert re.search(r"debian: \w+ \([\d.]+\) (amd64|arm64)", manifest)

    checked = subprocess.run(
        ["scripts/bundle_check.sh", str(archive), str(workdir / "target"), "54341"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    out = checked.stdout
    assert checked.returncode == 0, (out + checked.stderr)[-4000:]
    assert re.search(r"bare Debian: \d+ packages to install, all from the bundle", out)
    assert "test tools (.[dev]): every one resolved from the bundle" in out
    assert "healthz: 200" in out and "/api/basemap/maritime_line/: 200" in out
    assert "offline install and start: OK" in out
