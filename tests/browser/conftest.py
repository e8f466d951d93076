"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

``playwright install`` is not needed (and cannot download here): the tests use /usr/bin/chromium,
which scripts/install.sh installs with ``--all-groups``. Screenshots go to artifacts/screenshots/.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
AUDITED = SCREENSHOTS.parent / "axe"  # the addresses each test audited
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


@pytest.fixture(scope="session")
def _serialized_database(django_db_setup):
    """The database's rows as serialized after migrating (the data migrations' categories,
    kinds, reminder rules), kept from the session's start."""
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", None)


@pytest.fixture(autouse=True)
def _data_migrations_rows(request, _serialized_database, transactional_db):
    """After a Playwright test the test's code may see another connection object than the one
    that kept the serialized rows (Django's connections are context-local, and Playwright's
    sync API switches greenlets), and a serialized_rollback test after it then starts without
    the data migrations' rows. Put the rows back in that case."""
    from django.db import connection

    marker = request.node.get_closest_marker("django_db")
    wanted = marker is not None and marker.kwargs.get("serialized_rollback")
    if not wanted or _serialized_database is None:
        return
    if not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = _serialized_database
        connection.creation.deserialize_db_from_string(_serialized_database)


@pytest.fixture(autouse=True)
def _content_types_and_permissions(_data_migrations_rows, transactional_db):
    """An earlier transactional test's flush may have left the content types and permissions
    table empty (post_migrate inhibited); guardian needs them. Recreate them and drop the
    caches that may still hold the old rows."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal
    from guardian.shortcuts import clear_ct_cache

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.clear_cache()
    clear_ct_cache()


# --- Accessibility: axe-core on every page every browser test opens (issue 25, Must have 4) ---

AXE_SOURCE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Pages that are not the portal's own, as in test_accessibility.py's walk: Django's admin (staff
# only) and drf-spectacular's API documentation. Not audited: besides, axe's reading of the
# admin's @import-ed stylesheets inserts <style> elements that the page's policy refuses, which
# would be counted against the page (see ``csp_watch``).
NOT_OURS = re.compile(r"^/(admin|api)/")
# Runs in the page: the violations of WCAG 2.1 A and AA, reduced to what a failure must say.
AXE_RUN = """async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((node) => node.target.join(" ")),
  }));
}"""
# htmx swaps a part of the page without a load event: the page says so through a binding.
HTMX_SWAPS = """if (window === window.top) {
  document.addEventListener("htmx:afterSettle", () => window.__portalAxeSwapped());
}"""


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core: {len(violations)} WCAG 2.1 A/AA violation(s) on {url}"]
    for violation in violations:
        lines.append(f"  - {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"      {target}" for target in violation["targets"][:10])
        if len(violation["targets"]) > 10:
            lines.append(f"      ... and {len(violation['targets']) - 10} more")
    return "\n".join(lines)


class AxeAudit:
    """Runs axe-core in each page after each load and after each htmx swap, at the test's next
    use of the page (never in an event handler, so never racing the test's own actions), and
    once more before the page or its context closes and at the end of the test.

    The page's Content-Security-Policy forbids injected <script> tags, so axe is evaluated
    through the DevTools protocol (``page.evaluate``), which the policy does not govern.
    Violations fail the test where it next touches the page; with ``PORTAL_AXE_COLLECT=1`` they
    are gathered and reported together at the end of the test instead."""

    def __init__(self):
        self.source = AXE_SOURCE_PATH.read_text(encoding="utf-8")
        self.collect = os.environ.get("PORTAL_AXE_COLLECT") == "1"
        self.pending = set()  # pages loaded or swapped since their last audit
        self.watched = set()
        self.checked: list[str] = []  # the URL of each audit, in order
        self.failures: list[str] = []
        self.swaps = 0  # htmx swaps seen, all pages together
        self.busy = False

    def watch(self, page) -> None:
        if page in self.watched:
            return
        self.watched.add(page)
        page.on("load", lambda: self.pending.add(page))
        page.on("close", lambda: self.pending.discard(page))

    def swapped(self, source) -> None:
        self.swaps += 1
        self.pending.add(source["page"])

    def before_use(self, page) -> None:
        self.watch(page)
        if page in self.pending:
            self.check(page)

    def check(self, page) -> None:
        """Audit ``page`` now (the current document, after its load)."""
        from playwright.sync_api import Error

        self.busy = True
        try:
            page.wait_for_load_state("load")
            url = page.url
            if NOT_OURS.match(urlsplit(url).path):
                self.pending.discard(page)
                return
            # The source itself is the expression evaluated: an eval() in the page would be
            # refused by the policy.
            if not page.evaluate("() => Boolean(window.axe)"):
                page.evaluate(self.source)
            violations = page.evaluate(AXE_RUN, AXE_TAGS)
        except Error as error:
            if "Execution context was destroyed" in str(error) or "closed" in str(error):
                return  # navigated away meanwhile: the next load is audited in its turn
            raise
        finally:
            self.busy = False
        self.pending.discard(page)
        self.checked.append(url)
        if violations:
            report = describe_violations(url, violations)
            if not self.collect:
                raise AssertionError(report)
            self.failures.append(report)

    def finish(self) -> None:
        for page in list(self.pending):
            if not page.is_closed():
                self.check(page)
        if self.failures:
            raise AssertionError("\n\n".join(self.failures))


@pytest.fixture(autouse=True)
def axe(request, monkeypatch):
    """Every page of every browser test is audited with axe-core (see ``AxeAudit``)."""
    from playwright.sync_api import Browser, BrowserContext, Page

    audit = AxeAudit()
    page_getattribute = Page.__getattribute__

    def getattribute(page, name):
        if not name.startswith("_") and not audit.busy:
            audit.busy = True  # watching the page uses the page
            try:
                audit.watch(page)
            finally:
                audit.busy = False
            if name not in {"on", "once", "remove_listener", "is_closed"}:
                audit.before_use(page)
        return page_getattribute(page, name)

    new_context = Browser.new_context

    def new_context_audited(browser, *args, **kwargs):
        context = new_context(browser, *args, **kwargs)
        context.expose_binding("__portalAxeSwapped", audit.swapped)
        context.add_init_script(HTMX_SWAPS)
        context.on("page", audit.watch)
        return context

    context_close = BrowserContext.close

    def close_audited(context, *args, **kwargs):
        for page in context.pages:
            if page in audit.pending:
                audit.check(page)
        return context_close(context, *args, **kwargs)

    monkeypatch.setattr(Page, "__getattribute__", getattribute)
    monkeypatch.setattr(Browser, "new_context", new_context_audited)
    monkeypatch.setattr(BrowserContext, "close", close_audited)
    yield audit
    audit.finish()
    # What was audited, for the record (CI keeps artifacts/).
    AUDITED.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    paths = [urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
             for url in audit.checked]  # fmt: skip
    (AUDITED / f"{name}.txt").write_text("".join(f"{path}\n" for path in paths))


# --- Content-Security-Policy: nothing any browser test opens is refused (issue 27, MH 6) ---

# Runs in every document before its own scripts: each refusal is reported with what was
# refused, by which directive, and where.
CSP_WATCH = """document.addEventListener("securitypolicyviolation", (event) => {
  window.__portalCspViolation({
    directive: event.effectiveDirective, blocked: event.blockedURI, page: document.URL,
    source: event.sourceFile, line: event.lineNumber, column: event.columnNumber,
  });
});"""


class CspWatch:
    """Collects the policy's refusals in every page of every context a test opens, from the
    ``securitypolicyviolation`` events and from Chromium's console messages about the
    Content Security Policy (which also cover what raises no event); the test fails at its end
    if there was any. ``allow(directive, blocked)`` names a refusal that a test expects and
    wants (a third-party fetch that the policy is there to stop)."""

    def __init__(self):
        self.violations: list[str] = []
        self.console: list[str] = []
        self.allowed: list[tuple[str, str]] = []

    def allow(self, directive: str, blocked: str) -> None:
        self.allowed.append((directive, blocked))

    def is_allowed(self, text: str) -> bool:
        return any(directive in text and blocked in text for directive, blocked in self.allowed)

    def violation(self, source, report: dict) -> None:
        text = (
            f"{report['directive']} refused {report['blocked'] or '(inline)'} on {report['page']}"
            f" ({report['source'] or 'the page'}:{report['line']}:{report['column']})"
        )
        if not self.is_allowed(text):
            self.violations.append(text)

    def message(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text and not self.is_allowed(text):
            self.console.append(f"{text} (on {message.page.url if message.page else '?'})")

    def watch(self, context) -> None:
        context.expose_binding("__portalCspViolation", self.violation)
        context.add_init_script(CSP_WATCH)
        context.on("console", self.message)

    def finish(self) -> None:
        if self.violations or self.console:
            lines = ["The Content-Security-Policy refused something:"]
            lines += [f"  - {text}" for text in self.violations]
            lines += [f"  - console: {text}" for text in self.console]
            raise AssertionError("\n".join(lines))


@pytest.fixture(autouse=True)
def csp_watch(monkeypatch):
    """Every browser context a test opens is watched for Content-Security-Policy refusals (see
    ``CspWatch``); any refusal fails the test."""
    from playwright.sync_api import Browser

    watch = CspWatch()
    new_context = Browser.new_context

    def new_context_watched(browser, *args, **kwargs):
        context = new_context(browser, *args, **kwargs)
        watch.watch(context)
        return context

    monkeypatch.setattr(Browser, "new_context", new_context_watched)
    yield watch
    watch.finish()
