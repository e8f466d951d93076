#!/usr/bin/env bash
# Install what the portal needs: a few Debian packages if missing, then the locked Python
# dependencies into .venv with uv. Usage: scripts/install.sh [--all-groups]
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  fi
}

missing=()
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v msgfmt >/dev/null || missing+=(gettext)
# The browser tests (test group) drive Debian's Chromium; Chinese needs the Noto CJK fonts.
if [ "${1:-}" = "--all-groups" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

UV_VERSION=0.13.8
if ! .cache/uv/bin/uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  python3 -m venv .cache/uv
  .cache/uv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
UV_PYTHON_DOWNLOADS=never .cache/uv/bin/uv sync --locked --quiet --python "$(command -v python3)" \
  "${@:---no-default-groups}"

# Compile the translation catalogues (the .mo files are build output, not kept in git).
if compgen -G "locale/*/LC_MESSAGES/django.po" >/dev/null; then
  DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python manage.py compilemessages \
    --ignore=.venv --ignore=.cache -v0
fi
