"""Browser tests against a running server, not pytest-django's live server: Debian's Chromium,
launched as in tests/browser/."""

from tests.browser.conftest import browser_type_launch_args, csp_watch, shot  # noqa: F401 - fixtures
