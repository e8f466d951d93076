#!/usr/bin/env bash
# Install everything and start the portal on the embedded default: SQLite, background tasks
# in-process, e-mail to the console, demo data and demo logins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
ADDRESS="${PORTAL_ADDRESS:-127.0.0.1:8000}"
echo
echo "Portal: http://$ADDRESS/   Admin: http://$ADDRESS/admin/   (Ctrl-C stops it)"
exec .venv/bin/python manage.py runserver "$ADDRESS"
