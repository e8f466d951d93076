"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

``playwright install`` is not needed (and cannot download here): the tests use /usr/bin/chromium,
which scripts/install.sh installs with ``--all-groups``. Screenshots go to artifacts/screenshots/.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            *browser_type_launch_args.get("args", []),
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def shot():
    """Save a full-page screenshot of ``page`` as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def _content_types_and_permissions(transactional_db):
    """An earlier transactional test's flush may have left the content types and permissions
    table empty (post_migrate inhibited); guardian needs them. Recreate them and drop the
    caches that may still hold the old rows."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal
    from guardian.shortcuts import clear_ct_cache

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.clear_cache()
    clear_ct_cache()
