#!/usr/bin/env bash
# Install what the portal needs: a few Debian packages if missing, the locked Python
# dependencies into .venv with uv, and the locked npm packages into node_modules.
# Usage: scripts/install.sh                 what running the portal needs (scripts/start.sh,
#                                           scripts/serve.sh); anything else already installed
#                                           (the test tools) is left in place
#        scripts/install.sh --all-groups    everything: also the test, lint and security tools,
#                                           Chromium and the IATI schema for the tests
set -euo pipefail
cd "$(dirname "$0")/.."
all_groups=0
[ "${1:-}" = "--all-groups" ] && all_groups=1

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
command -v npm >/dev/null || missing+=(npm)
# The browser tests (test group) drive Debian's Chromium; Chinese needs the Noto CJK fonts.
if [ "$all_groups" = 1 ]; then
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
if [ "$all_groups" = 1 ]; then
  groups=(--all-groups)
else
  # --inexact: the run path installs the runtime dependencies without removing the test tools.
  groups=(--no-default-groups --inexact)
fi
# The interpreter: PORTAL_PYTHON when set; else Debian's python3.11 where the machine has it
# (built with profile-guided optimisation and LTO, it runs the portal's pages and the tests
# about a quarter faster than a plain source build such as pyenv's, docs/performance.md);
# else python3 on the PATH. Its own path, not a launcher's (pyenv's shim): uv recreates the
# environment, dropping every group it was not asked for, when the path differs from the one
# it recorded.
if [ -n "${PORTAL_PYTHON:-}" ]; then
  python="$PORTAL_PYTHON"
elif /usr/bin/python3.11 -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  python=/usr/bin/python3.11
else
  python="$(python3 -c 'import sys; print(sys.executable)')"
fi
UV_PYTHON_DOWNLOADS=never .cache/uv/bin/uv sync --locked --quiet --python "$python" "${groups[@]}"

# The IATI 2.03 schema for the export's validation test (tests only): ../shared/iati where it
# exists, otherwise the copy the pyIATI package ships (its files only, not its outdated
# dependencies).
if [ "$all_groups" = 1 ] && [ ! -f ../shared/iati/iati-activities-schema.xsd ] \
  && [ ! -d .cache/pyiati/iati ]; then
  .cache/uv/bin/pip download --quiet --no-deps --dest .cache/pyiati-dl pyIATI==0.4.1
  mkdir -p .cache/pyiati
  .cache/uv/bin/python - <<'PY'
import glob, tarfile, zipfile
archive = glob.glob(".cache/pyiati-dl/*")[0]
if archive.endswith(".whl"):
    zipfile.ZipFile(archive).extractall(".cache/pyiati")
else:
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/iati/resources/standard/2-03/" in m.name]
        for m in members:
            m.name = m.name.split("/", 1)[1]
        tar.extractall(".cache/pyiati", members=members, filter="data")
PY
fi

# The front-end packages the portal serves itself (charts, the world map; with --all-groups
# also axe-core, which the browser tests inject), exactly as package-lock.json pins them.
# `npm ci` empties node_modules first: the run path calls it only when a runtime package is
# missing or differs from the lock file, so that it never removes the test tools' axe-core.
if [ "$all_groups" = 1 ]; then
  npm ci --no-audit --no-fund --loglevel=error
elif ! npm ls --omit=dev --depth=0 >/dev/null 2>&1; then
  npm ci --omit=dev --no-audit --no-fund --loglevel=error
fi

# Compile the translation catalogues (the .mo files are build output, not kept in git).
if compgen -G "locale/*/LC_MESSAGES/django.po" >/dev/null; then
  DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python manage.py compilemessages \
    --ignore=.venv --ignore=.cache -v0
fi
