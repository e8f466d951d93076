#!/usr/bin/env bash
# Install what running needs and start the portal on the embedded default: SQLite, background
# tasks in-process, e-mail to the console, demo data and demo logins (Django's development
# server; scripts/serve.sh is the production-like one).
# Usage: scripts/start.sh [--port N]    (default 8000; PORTAL_ADDRESS=host:port still works)
set -euo pipefail
cd "$(dirname "$0")/.."

port=8000
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 (usage: scripts/start.sh [--port N])" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "--port needs a number, not '$port'" >&2; exit 2 ;; esac

bash scripts/install.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
ADDRESS="${PORTAL_ADDRESS:-127.0.0.1:$port}"
echo
echo "Portal: http://$ADDRESS/   Admin: http://$ADDRESS/admin/   (Ctrl-C stops it)"
exec .venv/bin/python manage.py runserver "$ADDRESS"
