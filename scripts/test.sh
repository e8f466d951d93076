#!/usr/bin/env bash
# Install everything and run the whole test suite against the real PostgreSQL and Redis on
# loopback, after the linters and the migrations check. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --all-groups
bash scripts/services.sh

export DJANGO_SETTINGS_MODULE=config.settings.test
export DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/portal}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"

echo "== ruff check";              .venv/bin/ruff check .
echo "== ruff format --check";     .venv/bin/ruff format --check .
echo "== makemigrations --check";  .venv/bin/python manage.py makemigrations --check --dry-run
bash scripts/security_audit.sh     # bandit and pip-audit: a high finding fails the run
echo "== pytest";                  .venv/bin/python -m pytest "$@"
