#!/usr/bin/env bash
# Check an offline bundle (scripts/bundle.sh) the way an intranet machine uses it:
#  1. its Debian packages alone install on a bare Debian (apt resolves the whole set against
#     an empty package database: nothing is missing from the bundle);
#  2. in a network namespace with no route out (only loopback), `scripts/setup.sh` installs
#     from the bundle, the database is created, migrated and seeded, and the whole system
#     (`scripts/run.sh`: web app, follower, demo feed) starts and answers on loopback.
# Needs root (unshare -n). Usage: scripts/bundle_check.sh BUNDLE.tar WORKDIR [PGPORT]
set -euo pipefail
TAR=$1
WORK=$2
PGPORT=${3:-54333}
WEBPORT=$((PGPORT + 1))
mkdir -p "$WORK"
tar -xf "$TAR" -C "$WORK"
TREE=$WORK/corridor-watch
DEBS=$TREE/bundle/debs

# 1. The Debian packages against an empty package database.
APT=(-o "Dir::Etc::SourceList=$WORK/sources.list" -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$WORK/apt-lists" -o "Dir::State::status=$WORK/empty-status"
  -o "Dir::Cache=$WORK/apt-cache" -o "Acquire::Languages=none" -o "Debug::NoLocking=1")
echo "deb [trusted=yes] file:$DEBS ./" > "$WORK/sources.list"
mkdir -p "$WORK/apt-lists/partial" "$WORK/apt-cache/archives/partial"
: > "$WORK/empty-status"
packages="$(PYTHON=none "$TREE/scripts/system_deps.sh" --list --with-browser) python3.11 python3.11-venv"
unshare -n apt-get "${APT[@]}" update -qq
plan=$(unshare -n apt-get "${APT[@]}" -s install --no-install-recommends $packages)
echo "bare Debian: $(grep -c '^Inst ' <<< "$plan") packages to install, all from the bundle"

# 2. Install and start with no network.
unshare -n bash -s "$TREE" "$PGPORT" "$WEBPORT" <<'NS'
set -euo pipefail
TREE=$1; export CW_PGPORT=$2; WEBPORT=$3
ip link set lo up
if python3 -c 'import socket; socket.create_connection(("pypi.org", 443), 3)' 2>/dev/null; then
  echo "the namespace reaches the network: not an offline check" >&2; exit 1
fi
cd "$TREE"
# The runtime installed (no .pyc compiled: the check's time, not what it checks); the test
# tools resolved from the bundle's wheels alone, every pin, without unpacking them.
CW_EXTRAS=none PIP_NO_COMPILE=1 scripts/setup.sh --with-browser > "$TREE/setup.log" 2>&1 || { tail -30 "$TREE/setup.log"; exit 1; }
grep -q "from the bundle" "$TREE/setup.log"
PY=.venv/bin/python
PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_FIND_LINKS="$TREE/bundle/wheels" \
  $PY -m pip install -q --dry-run --ignore-installed -c requirements.lock -e ".[dev]" \
  > "$TREE/dev-resolve.log" 2>&1 || { tail -20 "$TREE/dev-resolve.log"; exit 1; }
echo "test tools (.[dev]): every one resolved from the bundle"
$PY manage.py migrate --noinput -v0
$PY manage.py load_corridor > /dev/null
$PY manage.py collectstatic --noinput -v0
# The system without the demo feed (a deployment's own feeds replace it).
HOST=127.0.0.1 PORT=$WEBPORT CW_WEB_WORKERS=1 CW_DEMO_FEED=0 scripts/run.sh > "$TREE/run.log" 2>&1 &
RUN=$!
stop() { kill -TERM $RUN 2>/dev/null || true; wait $RUN 2>/dev/null || true; scripts/pg.sh stop > /dev/null 2>&1 || true; }
trap stop EXIT
$PY - "$WEBPORT" <<'PY'
import sys, time, urllib.request, urllib.error
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 120
while True:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            status = r.status
        break
    except (OSError, urllib.error.URLError) as exc:
        code = getattr(exc, "code", None)
        if code is not None:  # the web app answers (503: a process still starting)
            status = code
            break
        if time.monotonic() > deadline:
            sys.exit("the web app did not answer in 120 s")
        time.sleep(1)
print(f"healthz: {status}")
checks = {
    "/api/basemap/maritime_line/": "maritime",
    "/static/vendor/ol/ol.js": None,
    "/accounts/login/": "csrf",
}
for path, needle in checks.items():
    with urllib.request.urlopen(base + path, timeout=10) as r:
        body = r.read().decode("utf-8", "replace")
        assert r.status == 200, (path, r.status)
        assert needle is None or needle in body.lower(), (path, body[:200])
        print(f"{path}: {r.status}, {len(body)} bytes")
PY
echo "offline install and start: OK"
NS
