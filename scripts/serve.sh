#!/usr/bin/env bash
# Production-like on one machine: PostgreSQL and Redis on loopback (started, or installed, as
# scripts/services.sh does), migrations, collected static files, then gunicorn, one Celery
# worker and exactly one Celery beat, all logging to stdout as JSON lines. Ctrl-C or SIGTERM
# stops the three cleanly (each gets SIGTERM and up to 30 s to finish what it is doing).
# Usage: scripts/serve.sh [--port N] [--demo] [--only prepare|web|worker|beat]
#   --port N        the web server's port on 127.0.0.1 (default 8000)
#   --demo          load the demo data and logins (seed_demo; adds nothing when already loaded)
#   --only prepare  only create the database if missing, migrate and collect static files
#                   (and --demo), once per release; nothing installed or started
#   --only PART     run that one part (web, worker or beat) in the foreground as its own
#                   process, after a prepare: more web servers and workers beside a running
#                   serve.sh, or on other machines sharing its PostgreSQL and Redis (README,
#                   "Scaling out"); never a second beat
# Settings: config.settings.serve (docs/operations.md); every variable below
# has a loopback default, DJANGO_SECRET_KEY is generated once into var/secret_key.
set -euo pipefail
cd "$(dirname "$0")/.."

port=8000
demo=0
only=""
usage="usage: scripts/serve.sh [--port N] [--demo] [--only prepare|web|worker|beat]"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --demo) demo=1; shift ;;
    --only) only="${2:?--only needs prepare, web, worker or beat}"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 ($usage)" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "--port needs a number, not '$port'" >&2; exit 2 ;; esac
case "$only" in
  ''|prepare|web|worker|beat) ;;
  *) echo "--only needs prepare, web, worker or beat, not '$only' ($usage)" >&2; exit 2 ;;
esac
if [ "$demo" = 1 ] && [ -n "$only" ] && [ "$only" != prepare ]; then
  echo "--demo loads data before the parts start: with --only prepare, or without --only" >&2
  exit 2
fi

if [ -z "$only" ]; then
  bash scripts/install.sh
  bash scripts/services.sh
fi

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.serve}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/portal_serve}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
export PORTAL_SITE_URL="${PORTAL_SITE_URL:-http://127.0.0.1:$port}"
export PORTAL_LOG_FORMAT="${PORTAL_LOG_FORMAT:-json}"
# The production settings require UNODA's registered IATI identifier (docs/iati.md); on one
# machine, not published, the example one unless it is given.
export PORTAL_IATI_REPORTING_ORG_REF="${PORTAL_IATI_REPORTING_ORG_REF:-XI-IATI-EXAMPLE}"
mkdir -p var
chmod 700 var
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  if [ ! -s var/secret_key ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret_key)
  fi
  DJANGO_SECRET_KEY="$(cat var/secret_key)"
  export DJANGO_SECRET_KEY
fi

# A part run on its own (--only web, worker or beat) finds this done: by serve.sh beside it,
# or by --only prepare, once per release.
if [ -z "$only" ]; then
  # What the processes run with, for starting one of them again by hand (see below).
  (umask 077 && export -p | grep -E ' (DJANGO_|DATABASE_URL|REDIS_URL|PORTAL_|SENTRY_)' >var/serve.env)
fi
if [ -z "$only" ] || [ "$only" = prepare ]; then

  # The database of DATABASE_URL, created if it does not exist yet.
  .venv/bin/python - <<'PY'
import os

import environ
import psycopg
from psycopg import sql

config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if config["ENGINE"].endswith("postgresql"):
    server = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created the database {config['NAME']}")
PY

  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py collectstatic --noinput -v0
  if [ "$demo" = 1 ]; then
    .venv/bin/python manage.py seed_demo
  fi
fi
[ "$only" = prepare ] && exit 0

cores="$(nproc)"
web_workers="${PORTAL_WEB_WORKERS:-$((2 * cores + 1))}"
[ "$web_workers" -gt 9 ] && [ -z "${PORTAL_WEB_WORKERS:-}" ] && web_workers=9
task_workers="${PORTAL_TASK_CONCURRENCY:-$cores}"

# The three parts, as serve.sh starts them and as --only runs one (tests/ops/test_scale_out.py
# runs two web servers, two workers and the beat with --only).
web=(.venv/bin/gunicorn --config python:config.gunicorn --bind "127.0.0.1:$port"
  --workers "$web_workers")
# A worker's name is unique on its machine (Celery's remote control and /health/ tell workers
# apart by name): this script's process id, which --only hands on to the worker.
worker=(.venv/bin/celery -A config worker --concurrency "$task_workers" --loglevel INFO
  --hostname "portal-$$@%h")
# Exactly one beat: its pid file refuses a second one started from this checkout
# (PORTAL_BEAT_PIDFILE: another file for a beat on another database, e.g. a test's).
beat=(.venv/bin/celery -A config beat --loglevel INFO
  --pidfile "${PORTAL_BEAT_PIDFILE:-var/celerybeat.pid}")
case "$only" in
  web) exec "${web[@]}" ;;
  worker) exec "${worker[@]}" ;;
  beat) exec "${beat[@]}" ;;
esac

pids=()
stop() {
  trap - INT TERM
  echo "serve.sh: stopping web, worker and beat" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait || true
}
trap 'stop; exit 0' INT TERM

"${web[@]}" &
web_pid=$!
"${worker[@]}" &
worker_pid=$!
"${beat[@]}" &
beat_pid=$!
pids=("$web_pid" "$worker_pid" "$beat_pid")

echo "serve.sh: http://127.0.0.1:$port/ ($web_workers web workers, $task_workers task" \
  "workers, one beat; health: http://127.0.0.1:$port/health/; Ctrl-C stops all)" >&2
# The web server exiting stops everything. The worker or the beat exiting does not: the
# portal goes on (e-mails wait in the outbox), /health/ reports the missing part, and the
# part can be started again by hand with the command printed.
waiting=("${pids[@]}")
while [ ${#waiting[@]} -gt 0 ]; do
  status=0
  exited=""
  wait -n -p exited "${waiting[@]}" || status=$?
  [ -n "$exited" ] || continue
  if [ "$exited" = "$web_pid" ]; then
    echo "serve.sh: the web server exited (status $status): stopping the others" >&2
    stop
    exit 1
  fi
  part=worker
  [ "$exited" = "$beat_pid" ] && part=beat
  echo "serve.sh: the Celery $part exited (status $status); the web server goes on and" \
    "/health/ reports it. Start it again with: . var/serve.env && scripts/serve.sh --only $part" >&2
  remaining=()
  for pid in "${waiting[@]}"; do [ "$pid" = "$exited" ] || remaining+=("$pid"); done
  waiting=("${remaining[@]}")
done
