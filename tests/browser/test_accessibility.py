"""WCAG 2.1 AA in a real browser (issue 25, Must have 4): on the demo data, each role walks the
pages of its menu and the case pages reachable from them (one case per status it can see, with
the plan, feedback, agreement and edit pages they link to), in English and in Arabic, the State
and the donor also at a phone's width; axe-core finds no violation on any of them (the audit
itself is in conftest.py). The keyboard reaches the skip link and every menu link, with a
visible focus ring."""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright", reason="the browser tests need the test group (playwright)")

from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from apps.cases.models import Status
from apps.cases.selectors import visible_cases
from apps.security.demo_devices import demo_totp_device
from tests.conftest import build_case
from tests.factories import PASSWORD

from .test_i18n_screenshots import signed_in, translated

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
# Not pages: files, exports, the admin (staff only, Django's own), the API, sign-out, and
# addresses that act or redirect (opening a notification marks it read).
NOT_PAGES = re.compile(
    r"^/(admin|api|i18n)/|/attachments/\d|/documents/\d|/export|\.(csv|xml|xlsx|json|pdf)$"
    r"|^/accounts/logout/|^/notifications/\d"
)
# Statuses whose case pages differ most: a draft, under review, returned, open to donors, with
# an interest, agreed, in implementation, awaiting feedback, closed.
CASE_STATUSES = [
    Status.DRAFT,
    Status.UNDER_REVIEW,
    Status.NEEDS_REVISION,
    Status.PUBLISHED,
    Status.DONOR_INTEREST,
    Status.AGREEMENT,
    Status.IMPLEMENTATION,
    Status.FEEDBACK,
    Status.CLOSED,
]


@pytest.fixture
def demo():
    call_command("seed_demo", per_state=1, stdout=StringIO())


def kind(path: str) -> str:
    """Pages of one kind share a template: one of each is enough."""
    parts = [
        "#" if re.fullmatch(r"\d+", part) or re.search(r"\d.*-|-.*\d", part) else part
        for part in path.split("/")
    ]
    return "/".join(parts)


def links(page, host: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
    found = []
    for href in hrefs:
        url = urlsplit(href)
        if url.netloc == host and not NOT_PAGES.search(url.path):
            found.append(url.path)
    return found


def walk(page, live_server, axe, *, cases: list[str], depth: int = 3) -> list[str]:
    """Open home, its menu, the given case pages and what they link to, one page of each kind;
    each one audited. Returns the paths opened."""
    host = urlsplit(live_server.url).netloc
    queue = [("/", 0)] + [(f"/cases/{reference}/", 1) for reference in cases]
    forced = {path for path, _ in queue}
    seen, opened = set(), []
    while queue:
        path, level = queue.pop(0)
        if path not in forced and kind(path) in seen:
            continue
        seen.add(kind(path))
        forced.discard(path)
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.ok, f"{path}: {response.status}"
        axe.check(page)
        opened.append(path)
        if level < depth:
            queue.extend((link, level + 1) for link in links(page, host))
    return opened


def cases_for(username: str) -> list[str]:
    user = get_user_model().objects.get(username=username)
    visible = visible_cases(user)
    references = []
    for status in CASE_STATUSES:
        case = visible.filter(status=status).order_by("reference").first()
        if case is not None:
            references.append(case.reference)
    return references


ROLES = ["recipient", "donor", "partner", "officer", "officer2"]
ON_PHONES = {"recipient", "donor"}  # the State and the donor also at a phone's width


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_each_role_has_no_axe_violation(browser, live_server, demo, axe, username):
    """One seeded database per role (seeding is the slow part): each language and width is a
    walk of its own."""
    user = get_user_model().objects.get(username=username)
    cases = cases_for(username)
    viewports = [None, PHONE] if username in ON_PHONES else [None]
    for language in ("en", "ar"):
        for viewport in viewports:
            context = signed_in(browser, live_server, user, language)
            page = context.new_page()
            if viewport:
                page.set_viewport_size(viewport)
            opened = walk(page, live_server, axe, cases=cases)
            # The walk did reach the menu and the case pages (it is not vacuously green).
            assert len(opened) >= 8, opened
            assert any(p.startswith("/cases/") and p.count("/") == 3 for p in opened), opened
            context.close()


def test_sign_in_pages_have_no_axe_violation(browser, live_server, users, axe):
    """The pages before one is signed in: sign-in (with an error), two-factor, password reset,
    the public needs; in English and Arabic."""
    from .test_walk import pass_two_factor

    demo_totp_device(users.unoda)  # UNODA officers sign in with two factors

    for language in ("en", "ar"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/needs/")
        page.goto(f"{live_server.url}/accounts/password-reset/")
        page.goto(f"{live_server.url}/accounts/login/")
        if language == "ar":
            page.get_by_role("button", name="العربية").click()
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            page.goto(f"{live_server.url}/needs/")
            page.goto(f"{live_server.url}/accounts/password-reset/")
            page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label(translated(language, "Username")).fill("unoda")
        # A wrong password first: the form's error is audited too.
        page.get_by_label(translated(language, "Password")).fill("wrong")
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        axe.check(page)
        page.get_by_label(translated(language, "Password")).fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/security/otp/verify/"))
        axe.check(page)
        if language == "en":
            pass_two_factor(page, "unoda")
            expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
        context.close()
    assert len(axe.checked) >= 10, axe.checked


@pytest.mark.parametrize("language", ["en", "ar"])
def test_keyboard_reaches_skip_link_and_menu_with_visible_focus(
    browser, live_server, users, language
):
    context = signed_in(browser, live_server, users.unoda, language)
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/")

    # The first Tab lands on the skip link, shown on the screen; Enter moves to the content.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"], box
    assert focus_ring(page) != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # From the top again, Tab reaches every link of the main menu, each with a focus ring.
    page.goto(f"{live_server.url}/cases/")
    menu = page.locator("nav.main-menu a")
    hrefs = set(menu.evaluate_all("links => links.map((a) => a.href)"))
    assert len(hrefs) >= 10
    reached = set()
    for _ in range(len(hrefs) + 10):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.href || ''")
        if href in hrefs:
            assert focus_ring(page) != "none", href
            reached.add(href)
    assert reached == hrefs
    context.close()


def focus_ring(page) -> str:
    """The outline style of the focused element (``none`` when focus is invisible)."""
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def test_a_part_swapped_by_htmx_is_audited(browser, live_server, orgs, users, axe):
    """Filtering the queue swaps its results in place (htmx): the audit runs again on them."""
    build_case(orgs=orgs, users=users, status="submitted")
    context = signed_in(browser, live_server, users.unoda, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/")
    axe.check(page)
    checked, swaps = len(axe.checked), axe.swaps
    page.locator("select#id_status").select_option("submitted")
    expect(page).to_have_url(re.compile(r"status=submitted"))
    for _ in range(50):  # the page tells of its swap through a binding, a moment later
        if axe.swaps > swaps:
            break
        page.wait_for_timeout(100)
    assert axe.swaps > swaps
    expect(page.locator("#queue-results")).to_be_visible()  # the page's next use audits it
    assert len(axe.checked) == checked + 1
    assert "status=submitted" in axe.checked[-1]
    context.close()
