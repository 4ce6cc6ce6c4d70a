#!/usr/bin/env bash
# Build the offline install bundle on a connected machine (`make bundle`): one tar archive
# holding the source tree, every Python wheel pinned in requirements.lock (plus pip and the
# build backend), the Debian packages the set-up needs with all their dependencies, the
# collected static files and the seed data. On a machine without network, unpack it and run
# `make run` or `make test` inside: scripts/setup.sh installs from bundle/ and never
# reaches out (README, "Offline install").
#
# The bundle is built for this machine's Debian release and architecture (bookworm, amd64
# today); build it on an arm64 Debian 12 machine (or an arm64 container) for arm64.
# Usage: scripts/bundle.sh [--out FILE] [--no-browser]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ARCH=$(dpkg --print-architecture)
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
OUT=$ROOT/dist/corridor-watch-bundle-$CODENAME-$ARCH.tar
BROWSER=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --no-browser) BROWSER=0; shift ;;
    *) echo "usage: scripts/bundle.sh [--out FILE] [--no-browser]" >&2; exit 2 ;;
  esac
done
[[ -x .venv/bin/python ]] || { echo "run scripts/setup.sh first (the bundle uses .venv)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/corridor-watch
mkdir -p "$TREE"

# 1. The source tree as committed (data/gis, static/ and locale/ included).
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$TREE"
git rev-parse HEAD > "$TREE/.bundle-commit" 2>/dev/null || true

# 2. Wheels: every pinned requirement, pip and the build backend (no sdist: binary only, so
#    nothing compiles on the target).
mkdir -p "$TREE/bundle/wheels"
.venv/bin/python -m pip download -q --only-binary=:all: --no-deps -r requirements.lock \
  -d "$TREE/bundle/wheels"
.venv/bin/python -m pip download -q --only-binary=:all: "pip" "setuptools>=68" "wheel" \
  -d "$TREE/bundle/wheels"

# 3. Debian packages: what scripts/system_deps.sh installs (and Python 3.11 with venv),
#    with every dependency down to the C library, so a bare Debian can install them.
packages=$(scripts/system_deps.sh --list $([[ $BROWSER == 1 ]] && echo --with-browser))
packages="$packages python3.11 python3.11-venv ca-certificates"
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $packages 2>/dev/null | grep -v '^ ' | grep -v '^<' | sort -u)
mkdir -p "$TREE/bundle/debs"
# Virtual names have no candidate: keep the packages apt can download.
downloadable=$(apt-cache show --no-all-versions $closure 2>/dev/null | sed -n 's/^Package: //p' | sort -u)
(cd "$TREE/bundle/debs" && apt-get download -qq $downloadable 2>&1 | grep -v "unsandboxed" || true)
# A flat repository index (what dpkg-scanpackages writes), so the target's apt resolves
# the missing packages from the bundle alone.
(
  cd "$TREE/bundle/debs"
  for deb in *.deb; do
    dpkg-deb -f "$deb"
    echo "Filename: ./$deb"
    echo "Size: $(stat -c %s "$deb")"
    echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
    echo
  done > Packages
)

# 4. Static files, collected from the installed packages and static/ (a web server in front
#    may serve them without Python; the set-up collects them again from the same wheels).
.venv/bin/python manage.py collectstatic --noinput -v0
cp -r .var/static "$TREE/bundle/static"

# 5. What it is: release, architecture, Python, lock hash, contents.
{
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "debian: $CODENAME ($(cat /etc/debian_version)) $ARCH"
  echo "python: 3.11"
  echo "requirements.lock: $(sha256sum requirements.lock | cut -c1-16)"
  echo "wheels: $(ls "$TREE/bundle/wheels" | wc -l)"
  echo "debs: $(ls "$TREE/bundle/debs" | wc -l)"
  echo "browser (chromium): $([[ $BROWSER == 1 ]] && echo yes || echo no)"
} > "$TREE/bundle/MANIFEST"

mkdir -p "$(dirname "$OUT")"
# Wheels and debs are compressed already: a plain tar is as small and much faster.
tar -cf "$OUT" -C "$WORK" corridor-watch
echo "bundle: $OUT ($(du -h "$OUT" | cut -f1)); $(tr '\n' ';' < "$TREE/bundle/MANIFEST")"
