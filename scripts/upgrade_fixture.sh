#!/usr/bin/env bash
# Make the upgrade test's fixture (tests/test_upgrade.py) from an earlier release:
#   scripts/upgrade_fixture.sh COMMIT
# checks COMMIT out beside this one, runs ITS migrations, seed, demo accounts, a week of
# backfilled AIS, two days of trains, alerts and tests/fixtures/upgrade/fill.py (the
# tables those leave empty, filled through that release's own code) on a cluster of its
# own, refuses if a table stays empty (but the partition made ahead for next month), and
# writes tests/fixtures/upgrade/<commit>.dump (pg_dump, custom format) and <commit>.json
# (each table's row count and the figures tests/test_upgrade.py compares).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMMIT=$(git -C "$ROOT" rev-parse --short=12 "${1:?usage: scripts/upgrade_fixture.sh COMMIT}")
WORK=$(mktemp -d /tmp/cw-upgrade-XXXX)
chmod 755 "$WORK"
OLD="$WORK/release"
git -C "$ROOT" worktree add -q --detach "$OLD" "$COMMIT"
cleanup() {
  CW_VAR_DIR="$WORK/db" CW_PGPORT=$PORT "$ROOT/scripts/pg.sh" stop >/dev/null 2>&1 || true
  rm -rf "$(readlink -f "$WORK/db/postgres")"
  git -C "$ROOT" worktree remove --force "$OLD"
  rm -rf "$WORK"
}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap cleanup EXIT
mkdir -p "$WORK/db"; chmod 755 "$WORK/db"
CW_VAR_DIR="$WORK/db" CW_PGPORT=$PORT "$ROOT/scripts/pg.sh" start >/dev/null
export DATABASE_URL=$(cat "$WORK/db/database_url")
export DJANGO_SECRET_KEY=upgrade-fixture-$(printf 'k%.0s' {1..50})
export CW_DEMO_PASSWORD=Old-release-pw-1 CW_ARCHIVE_DIR="$WORK/archive" CW_EXPORT_DIR="$WORK/exports"
PY="$ROOT/.venv/bin/python"
cd "$OLD"
"$PY" manage.py migrate -v0
"$PY" manage.py load_corridor >/dev/null
"$PY" manage.py demo_accounts create >/dev/null
"$PY" manage.py backfill_demo --weeks 1 --ships 6 --arrivals 0.5 >/dev/null
"$PY" manage.py simulate_rail --out "$WORK/trains.jsonl" --days 2 >/dev/null
"$PY" manage.py ingest_rail "$WORK/trains.jsonl" >/dev/null
"$PY" manage.py check_alerts >/dev/null
"$PY" manage.py shell < "$ROOT/tests/fixtures/upgrade/fill.py" 2>/dev/null | tail -1
OUT="$ROOT/tests/fixtures/upgrade/$COMMIT"
cd "$ROOT"
"$PY" tests/upgrade_figures.py "$COMMIT" > "$OUT.json"
PGPASSWORD=$(cat "$WORK/db/db_password") /usr/lib/postgresql/15/bin/pg_dump -Fc --no-owner \
  --no-privileges -h 127.0.0.1 -p "$PORT" -U corridor -d corridor_watch -f "$OUT.dump"
ls -l "$OUT.dump" "$OUT.json"
