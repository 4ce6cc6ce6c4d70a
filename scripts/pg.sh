#!/usr/bin/env bash
# The embedded PostGIS cluster: a project-local PostgreSQL 15 on 127.0.0.1:$PGPORT.
#   scripts/pg.sh start   create (first time) and start the cluster, create database + PostGIS,
#                         write .var/database_url; safe and fast to run again
#   scripts/pg.sh stop    stop it
#   scripts/pg.sh status  say whether it runs
#   scripts/pg.sh url     print the DATABASE_URL of the embedded cluster
#   scripts/pg.sh basebackup DIR
#                         a base backup of the running cluster into DIR/base-<UTC time>
#                         (with CW_WAL_ARCHIVE=1 the cluster archives its WAL to
#                         <cluster>-wal: together they allow point-in-time recovery)
#   scripts/pg.sh recover BASE WALDIR 'YYYY-MM-DD HH:MM:SS+00'
#                         a new cluster (CW_VAR_DIR, not existing yet; its db_password
#                         copied from the saved system) from a base backup, replaying the
#                         archived WAL up to that moment, then opened for writing
#   scripts/pg.sh replica-start
#                         a streaming read replica of the running cluster on port
#                         $CW_PGPORT+1 (CW_REPLICA_PGPORT), made by pg_basebackup the first
#                         time; writes .var/replica_url (CW_REPLICA_LOG_STATEMENTS=1: it
#                         logs every statement to its server.log)
#   scripts/pg.sh replica-stop | replica-url | replica-dir
# When DATABASE_URL is set, nothing here is needed: the project uses that server instead.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${CW_PGPORT:-54329}
PGUSER_NAME=corridor
DBNAME=corridor_watch
VAR="${CW_VAR_DIR:-$ROOT/.var}"
LINK="$VAR/postgres"
mkdir -p "$VAR"

as_owner() {
  # initdb and pg_ctl refuse to run as root: run them as the postgres user then.
  # (From /: the postgres user may not be allowed into the current folder.)
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

data_dir() {
  # The cluster lives in .var/postgres. As root the folder must be reachable by the postgres
  # user; a checkout under a private home folder is not, so the cluster then lives under
  # /var/lib/corridor-watch/<hash of this checkout> and .var/postgres links to it.
  if [[ -L "$LINK" || -d "$LINK" ]]; then readlink -f "$LINK"; return; fi
  if [[ $(id -u) -ne 0 ]]; then mkdir -p "$LINK"; echo "$LINK"; return; fi
  mkdir -p "$LINK"
  chown postgres:postgres "$LINK"
  if runuser -u postgres -- test -w "$LINK"; then echo "$LINK"; return; fi
  rmdir "$LINK"
  local alt="/var/lib/corridor-watch/$(echo -n "$ROOT" | sha1sum | cut -c1-12)"
  mkdir -p "$alt"
  chown postgres:postgres "$alt"
  ln -s "$alt" "$LINK"
  echo "$alt"
}

PGDATA=$(data_dir)
PWFILE="$VAR/db_password"

url() {  # [port]: the embedded cluster's (default) or its replica's
  echo "postgis://$PGUSER_NAME:$(cat "$PWFILE")@127.0.0.1:${1:-$PGPORT}/$DBNAME"
}

psql_() {
  PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$(cat "$PWFILE") "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" "$@"
}

start() {
  [[ -x "$PGBIN/initdb" ]] || { echo "PostgreSQL 15 is not installed: run scripts/system_deps.sh" >&2; exit 1; }
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    echo "Creating the embedded PostGIS cluster in $PGDATA"
    [[ -f "$PWFILE" ]] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PWFILE")
    # initdb reads the password from a file its user can read; it must not sit in PGDATA.
    local pw_copy
    pw_copy=$(mktemp)
    cp "$PWFILE" "$pw_copy"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$pw_copy" "$PGDATA"; fi
    as_owner "$PGBIN/initdb" -D "$PGDATA" -U "$PGUSER_NAME" --pwfile="$pw_copy" \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pw_copy"
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDATA'
shared_buffers = 256MB
max_wal_size = 2GB
fsync = on
CONF
  fi
  if [[ "${CW_WAL_ARCHIVE:-0}" == "1" ]] && ! grep -q "^archive_mode = on" "$PGDATA/postgresql.conf"; then
    # Continuous archiving (opt-in: the archive grows until a base backup lets
    # `basebackup` prune it). Takes effect at the next start of the cluster.
    local wal="$PGDATA-wal"
    mkdir -p "$wal"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$wal"; fi
    cat >> "$PGDATA/postgresql.conf" <<CONF
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $wal/%f && cp %p $wal/%f'
archive_timeout = 60
CONF
    if as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      echo "WAL archiving is set: restart the cluster (make db-stop; make db) to start it" >&2
    fi
  fi
  if ! as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    if (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null; then
      echo "Port $PGPORT on 127.0.0.1 is taken by another server: set CW_PGPORT to a free port" >&2
      exit 1
    fi
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$PGDATA/server.log" >&2; exit 1; }
  fi
  # PostGIS is not a trusted extension: create it in template1 so every new database
  # (Django's test database included) has it.
  psql_ -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"
  if [[ -z $(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DBNAME'") ]]; then
    psql_ -d postgres -c "CREATE DATABASE $DBNAME"
  fi
  psql_ -d "$DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  (umask 077; url > "$VAR/database_url")
}

basebackup() {
  local dir=${1:?usage: pg.sh basebackup DIR}
  local target
  target="$dir/base-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$dir"
  PGPASSWORD=$(cat "$PWFILE") "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" \
    -U "$PGUSER_NAME" -D "$target" -Fp -X stream -c fast
  # WAL older than this base backup is no longer needed by it.
  local wal="$PGDATA-wal" oldest
  oldest=$(grep -oE 'START WAL LOCATION: [^ ]+ \(file [0-9A-F]+\)' "$target/backup_label" \
    | sed -E 's/.*file ([0-9A-F]+)\)/\1/')
  if [[ -d "$wal" && -n "$oldest" && "${CW_WAL_KEEP:-0}" != "1" ]]; then
    as_owner "$PGBIN/pg_archivecleanup" "$wal" "$oldest" || true
  fi
  echo "$target"
}

recover() {
  local base=${1:?usage: pg.sh recover BASE WALDIR TIME} wal=${2:?WALDIR} when=${3:?TIME}
  if [[ -f "$PGDATA/PG_VERSION" ]]; then
    echo "a cluster exists in $PGDATA: recover into a new CW_VAR_DIR" >&2
    exit 1
  fi
  [[ -f "$PWFILE" ]] || { echo "copy the saved system's db_password to $PWFILE first" >&2; exit 1; }
  cp -a "$base"/. "$PGDATA"/
  rm -f "$PGDATA/postmaster.pid" "$PGDATA/server.log"
  if [[ $(id -u) -eq 0 ]]; then chown -R postgres:postgres "$PGDATA"; fi
  chmod 700 "$PGDATA"
  # The base backup carries the old cluster's port, socket folder and archiving: this one
  # is another cluster (ALTER SYSTEM's file is read last, so these win).
  cat >> "$PGDATA/postgresql.auto.conf" <<CONF
port = $PGPORT
unix_socket_directories = '$PGDATA'
archive_mode = off
restore_command = 'cp $wal/%f %p'
recovery_target_time = '$when'
recovery_target_action = 'promote'
CONF
  touch "$PGDATA/recovery.signal"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$PGDATA/recovery.signal"; fi
  as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 120 start >/dev/null \
    || { tail -n 20 "$PGDATA/server.log" >&2; exit 1; }
  for _ in $(seq 1 120); do
    [[ $(psql_ -d postgres -tAc "SELECT pg_is_in_recovery()") == "f" ]] && break
    sleep 0.5
  done
  (umask 077; url > "$VAR/database_url")
}

RDATA="$PGDATA-replica"
RPORT=${CW_REPLICA_PGPORT:-$((PGPORT + 1))}

replica_start() {
  if [[ ! -f "$RDATA/PG_VERSION" ]]; then
    echo "Creating a streaming replica of the embedded cluster in $RDATA (port $RPORT)"
    mkdir -p "$RDATA"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$RDATA"; fi
    chmod 700 "$RDATA"
    as_owner env PGPASSWORD="$(cat "$PWFILE")" "$PGBIN/pg_basebackup" -h 127.0.0.1 \
      -p "$PGPORT" -U "$PGUSER_NAME" -D "$RDATA" -Fp -X stream -c fast 2>&1 \
      | { grep -v "skipping special file" || true; } >&2
    rm -f "$RDATA/server.log" "$RDATA/postmaster.pid"
    # (ALTER SYSTEM's file is read last: these win over the primary's settings it copied.)
    as_owner tee -a "$RDATA/postgresql.auto.conf" > /dev/null <<CONF
port = $RPORT
unix_socket_directories = '$RDATA'
archive_mode = off
hot_standby = on
hot_standby_feedback = on
primary_conninfo = 'host=127.0.0.1 port=$PGPORT user=$PGUSER_NAME password=$(cat "$PWFILE") application_name=corridor_replica'
CONF
    if [[ "${CW_REPLICA_LOG_STATEMENTS:-0}" == "1" ]]; then
      echo "log_statement = 'all'" | as_owner tee -a "$RDATA/postgresql.auto.conf" > /dev/null
    fi
    as_owner touch "$RDATA/standby.signal"
  fi
  if ! as_owner "$PGBIN/pg_ctl" -D "$RDATA" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$RDATA" -l "$RDATA/server.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$RDATA/server.log" >&2; exit 1; }
  fi
  (umask 077; url "$RPORT" > "$VAR/replica_url")
}

case "${1:-start}" in
  replica-start) replica_start ;;
  replica-stop) as_owner "$PGBIN/pg_ctl" -D "$RDATA" -m fast stop ;;
  replica-url) url "$RPORT" ;;
  replica-dir) echo "$RDATA" ;;
  start) start ;;
  basebackup) basebackup "${2:-}" ;;
  recover) recover "${2:-}" "${3:-}" "${4:-}" ;;
  stop) as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop ;;
  status) as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url|basebackup DIR|recover BASE WALDIR TIME" >&2; exit 2 ;;
esac
