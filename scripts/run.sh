#!/usr/bin/env bash
# Serve the whole system: the web app (Django + Dash + API) on HOST:PORT and, unless
# CW_DEMO_FEED=0, the demo AIS feed (simulator -> TCP -> ingester) so ships move on /dash/.
# Stops everything it started on exit (Ctrl-C).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
FEED_PORT=${CW_FEED_PORT:-10110}

children=()
cleanup() {
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [[ "${CW_DEMO_FEED:-1}" != "0" ]]; then
  # A time-lapse (x${CW_DEMO_SPEED:-10}) simulated feed of the Beibu Gulf, stamped with
  # wall-clock times, and the ingester reading it like a shore station's feed.
  $PY manage.py simulate_ais --serve "tcp://127.0.0.1:$FEED_PORT" --speed "${CW_DEMO_SPEED:-10}" \
      --ships "${CW_DEMO_SHIPS:-150}" --arrivals 30 --seed "$(date +%j)" &
  children+=($!)
  $PY manage.py ingest_ais "tcp://127.0.0.1:$FEED_PORT" --summary-every 300 &
  children+=($!)
fi
# Port calls: recompute the last week, then follow new positions.
$PY manage.py detect_port_calls --follow --interval 30 &
children+=($!)

echo "Corridor Watch on http://$HOST:$PORT/  (map /dash/, API /api/, admin /admin/)"
.venv/bin/waitress-serve --listen="$HOST:$PORT" --threads=8 config.wsgi:application &
children+=($!)
wait -n "${children[@]}"
