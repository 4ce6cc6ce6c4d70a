#!/usr/bin/env bash
# Serve the whole system under a supervisor (supervisord): the web app (Django + Dash + API)
# on HOST:PORT, the port-call follower and, unless CW_DEMO_FEED=0, the demo AIS feed
# (simulator -> TCP -> ingester). A child that dies is restarted (a crash loop stops after
# a few tries, with a log line); a database restart stops nothing: every process reconnects.
# Ctrl-C (or SIGTERM) stops everything. `scripts/run.sh status` shows the children.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=$ROOT/.venv/bin/python
VAR=${CW_VAR_DIR:-$ROOT/.var}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
FEED_PORT=${CW_FEED_PORT:-10110}
CORES=$(nproc 2>/dev/null || echo 2)
WEB_WORKERS=${CW_WEB_WORKERS:-$((CORES + 1))}
WEB_THREADS=${CW_WEB_THREADS:-4}
CONF="$VAR/supervisord.conf"
mkdir -p "$VAR/log"

if [[ "${1:-}" == "status" ]]; then
  exec "$ROOT/.venv/bin/supervisorctl" -c "$CONF" status
fi

oneshot() {  # name, command: a child run once in the background (not restarted on success)
  program "$1" "$2" | sed -e 's/^autorestart=true$/autorestart=unexpected\nexitcodes=0/' \
    -e 's/^startsecs=5$/startsecs=0/'
}

program() {  # name, command: a supervised child logging to this terminal
  cat <<CONF

[program:$1]
command=$2
directory=$ROOT
autostart=true
autorestart=true
startsecs=5
startretries=5
stopsignal=TERM
stopwaitsecs=30
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
CONF
}

# CW_REPLICA=1: a streaming read replica of the embedded cluster for the long reads
# (exports, reports, history: core.replica), started here and handed to every process.
if [[ "${CW_REPLICA:-0}" == "1" && -z "${DATABASE_REPLICA_URL:-}" ]]; then
  if [[ -n "${DATABASE_URL:-}" ]]; then
    echo "CW_REPLICA=1 makes a replica of the embedded cluster: with DATABASE_URL, set DATABASE_REPLICA_URL" >&2
    exit 1
  fi
  scripts/pg.sh replica-start
  DATABASE_REPLICA_URL=$(cat "$VAR/replica_url")
  export DATABASE_REPLICA_URL
fi

{
  cat <<CONF
; Written by scripts/run.sh on every start: edit that script, not this file.
[supervisord]
nodaemon=true
$( [[ $(id -u) -eq 0 ]] && echo "user=root" )
logfile=$VAR/log/supervisord.log
logfile_maxbytes=5MB
pidfile=$VAR/supervisord.pid
childlogdir=$VAR/log

[unix_http_server]
file=$VAR/supervisor.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$VAR/supervisor.sock
CONF
  # The web app: gunicorn, one process per core plus one (threads share a GIL, processes
  # do not), a few threads each for requests that wait on the database. CW_WEB_WORKERS and
  # CW_WEB_THREADS override; the app is loaded once before the fork (copy-on-write memory).
  # Its processes' request metrics are summed through files in PROMETHEUS_MULTIPROC_DIR
  # (emptied at every start: core.metrics).
  rm -rf "$VAR/prometheus" && mkdir -p "$VAR/prometheus"
  program web "/usr/bin/env PROMETHEUS_MULTIPROC_DIR=$VAR/prometheus $ROOT/.venv/bin/gunicorn config.wsgi:application --bind $HOST:$PORT \
    --workers $WEB_WORKERS --threads $WEB_THREADS --worker-class gthread --preload \
    --timeout 120 --graceful-timeout 20 --max-requests 5000 --max-requests-jitter 500 \
    --log-level warning"
  # Port calls: recompute the last week, then follow new positions and late ones.
  program portcalls "$PY manage.py detect_port_calls --follow --interval ${CW_FOLLOW_INTERVAL:-30}"
  # Cross-modal alerts: raised, updated and closed every minute.
  program alerts "$PY manage.py check_alerts --every 60"
  # Exports too large to answer at once, one at a time.
  program exports "$PY manage.py export_worker"
  # Closed months of AIS positions get their spatial index (the open month has none).
  program positions "$PY manage.py index_positions --every 3600"
  # AIS archives administrators uploaded (the admin), loaded one at a time.
  program ais-uploads "$PY manage.py ais_uploads --every 10"
  # A provider's HTTP feed of positions, where one is configured (CW_AIS_HTTP_URL).
  if [[ -n "${CW_AIS_HTTP_URL:-}" ]]; then
    program ais-provider "$PY manage.py ingest_ais provider: --spill-dir $VAR/ais-spill-provider"
  fi
  # Carriers' DCSA Track & Trace feeds with an API root (rail.CarrierFeed), each polled
  # at its own interval; pushes arrive at the web app's callback.
  program dcsa "$PY manage.py ingest_dcsa --poll-all --every 30"
  # The audit: rows older than CW_AUDIT_RETENTION_DAYS archived, then deleted, daily.
  program audit "$PY manage.py audit_retain --every 86400"
  # Its witness: the newest row's seq and hash, outside the database, every 5 minutes.
  program audit-witness "$PY manage.py audit_retain --checkpoint --every 300"
  if [[ -n "${CW_SMTP_HOST:-}" ]]; then
    program reminders "$PY manage.py notify_overdue --every 86400"
  fi
  if [[ "${CW_DEMO_FEED:-1}" != "0" ]]; then
    # A time-lapse (x${CW_DEMO_SPEED:-10}) simulated feed of the Beibu Gulf, stamped with
    # wall-clock times, and the ingester reading it like a shore station's feed.
    program simulator "$PY manage.py simulate_ais --serve tcp://127.0.0.1:$FEED_PORT --speed ${CW_DEMO_SPEED:-10} --ships ${CW_DEMO_SHIPS:-150} --arrivals 30 --seed $(date +%j)"
    program ingester "$PY manage.py ingest_ais tcp://127.0.0.1:$FEED_PORT --summary-every 300"
    # Simulated corridor trains in real time (two weeks of history first); their boxes go
    # onto the container ships the AIS side detects at the Beibu Gulf ports.
    program rail "$PY manage.py simulate_rail --follow --seed 1 --interval 60 --history-days ${CW_DEMO_RAIL_DAYS:-56}"
    if [[ "${CW_DEMO_HISTORY:-1}" != "0" ]]; then
      # Eight weeks of past traffic, once per database, while the site is already up.
      oneshot history "$PY manage.py backfill_demo --weeks 8"
    fi
  fi
} > "$CONF"

"$PY" manage.py demo_accounts status || true
# Heartbeats of processes an earlier start ran (perhaps no longer configured) are forgotten:
# /healthz names late only what this start runs.
"$PY" manage.py processes --forget >/dev/null || true
echo "Corridor Watch on http://$HOST:$PORT/  (map /dash/, API /api/, admin /admin/)"
echo "Processes: scripts/run.sh status (their output follows here); Ctrl-C stops everything."
exec "$ROOT/.venv/bin/supervisord" -c "$CONF"
