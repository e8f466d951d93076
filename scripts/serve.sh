#!/usr/bin/env bash
# Production-like on one machine: PostgreSQL and Redis on loopback (started, or installed, as
# scripts/services.sh does), migrations, collected static files, then gunicorn, one Celery
# worker and exactly one Celery beat, all logging to stdout as JSON lines. Ctrl-C or SIGTERM
# stops the three cleanly (each gets SIGTERM and up to 30 s to finish what it is doing).
# Usage: scripts/serve.sh [--port N] [--demo]
#   --port N   the web server's port on 127.0.0.1 (default 8000)
#   --demo     load the demo data and logins (seed_demo; adds nothing when already loaded)
# Settings: config.settings.serve (docs/operations.md); every variable below
# has a loopback default, DJANGO_SECRET_KEY is generated once into var/secret_key.
set -euo pipefail
cd "$(dirname "$0")/.."

port=8000
demo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --demo) demo=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 (usage: scripts/serve.sh [--port N] [--demo])" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "--port needs a number, not '$port'" >&2; exit 2 ;; esac

bash scripts/install.sh
bash scripts/services.sh

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

# What the processes run with, for starting one of them again by hand (see below).
(umask 077 && export -p | grep -E ' (DJANGO_|DATABASE_URL|REDIS_URL|PORTAL_|SENTRY_)' >var/serve.env)

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

cores="$(nproc)"
web_workers="${PORTAL_WEB_WORKERS:-$((2 * cores + 1))}"
[ "$web_workers" -gt 9 ] && [ -z "${PORTAL_WEB_WORKERS:-}" ] && web_workers=9
task_workers="${PORTAL_TASK_CONCURRENCY:-$cores}"

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

web=(.venv/bin/gunicorn --config python:config.gunicorn --bind "127.0.0.1:$port"
  --workers "$web_workers")
worker=(.venv/bin/celery -A config worker --concurrency "$task_workers" --loglevel INFO
  --hostname "portal-$port@%h")
# Exactly one beat: its pid file refuses a second one started from this checkout.
beat=(.venv/bin/celery -A config beat --loglevel INFO --pidfile var/celerybeat.pid)
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
  command=("${worker[@]}")
  if [ "$exited" = "$beat_pid" ]; then
    part=beat
    command=("${beat[@]}")
  fi
  echo "serve.sh: the Celery $part exited (status $status); the web server goes on and" \
    "/health/ reports it. Start it again with: . var/serve.env && ${command[*]}" >&2
  remaining=()
  for pid in "${waiting[@]}"; do [ "$pid" = "$exited" ] || remaining+=("$pid"); done
  waiting=("${remaining[@]}")
done
