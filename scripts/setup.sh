#!/usr/bin/env bash
# Everything `make run` and `make test` need, idempotent and fast the second time:
# Debian packages, the virtualenv with pinned dependencies, the embedded PostGIS cluster
# (unless DATABASE_URL is set), a secret key, migrations, seed data and demo accounts.
# Usage: scripts/setup.sh [--with-browser]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
mkdir -p .var/static

scripts/system_deps.sh "$@"

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Python 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
# The extras installed with the runtime: `dev` (the tests' tools and the analysis extra) by
# default; CW_EXTRAS=none installs what `make run` needs only (a server, the offline check).
EXTRAS=${CW_EXTRAS:-dev}
SPEC="."
[[ $EXTRAS != none ]] && SPEC=".[$EXTRAS]"
stamp=".venv/.installed-$(cat pyproject.toml requirements.lock <(echo "$EXTRAS") | sha1sum | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  BUNDLE=${CW_BUNDLE_DIR:-$ROOT/bundle}
  if [[ -d "$BUNDLE/wheels" ]]; then
    # Offline bundle (scripts/bundle.sh): its wheels only; no index, no machine pip config.
    echo "Installing Python dependencies into .venv from the bundle"
    export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_FIND_LINKS="$BUNDLE/wheels"
  else
    echo "Installing Python dependencies into .venv"
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c requirements.lock -e "$SPEC"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [[ -z "${DATABASE_URL:-}" ]]; then
  scripts/pg.sh start
fi
if [[ -z "${DJANGO_SECRET_KEY:-}" && ! -f .var/secret_key ]]; then
  (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .var/secret_key)
fi
