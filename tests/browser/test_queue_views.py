"""The queue for daily work in a real browser: the needs-my-action view by default, a view
saved from the page, references and statuses on one line, and on a phone the first case above
the fold; screenshots go to artifacts/screenshots/queue-needs.png, queue-saved-view.png and
queue-phone.png."""

import pytest

pytest.importorskip("playwright", reason="the browser tests need the test group (playwright)")

import re
from decimal import Decimal

from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from apps.cases.models import AssistanceRequest
from apps.portal.models import SavedView
from tests.browser.test_i18n_screenshots import signed_in
from tests.conftest import build_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def _cases(orgs, users):
    for status in ("submitted", "submitted", "needs_revision", "under_review", "published"):
        build_case(orgs=orgs, users=users, status=status, budget_amount=Decimal("250000.00"))
    AssistanceRequest.objects.filter(status="under_review").update(case_officer=users.unoda)


def _single_line(locator) -> bool:
    """Whether the element's text sits on one line (its height under two line heights)."""
    return locator.evaluate(
        "el => el.getBoundingClientRect().height"
        " < 2 * parseFloat(getComputedStyle(el).lineHeight || '20')"
    )


def test_needs_my_action_by_default_and_a_view_saved_from_the_page(
    browser, live_server, orgs, users, shot
):
    _cases(orgs, users)
    context = signed_in(browser, live_server, users.unoda, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/")
    current = page.locator(".saved-views a[aria-current='page']")
    expect(current).to_contain_text("Needs my action")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(3)  # two submissions and the officer's review
    expect(rows.first).to_contain_text("New submission")
    for cell in ("table.queue .reference", "table.queue .status"):
        for index in range(page.locator(cell).count()):
            assert _single_line(page.locator(cell).nth(index)), cell
    shot(page, "queue-needs")

    page.get_by_role("link", name="All cases").click()
    page.locator("select#id_status").select_option("published")  # applied on change (htmx)
    expect(page).to_have_url(re.compile(r"view=all.*status=published"))
    expect(rows).to_have_count(1)
    page.wait_for_load_state("networkidle")  # the part with the save form is drawn again
    page.locator(".save-view > summary").click()
    page.locator("#save-view-name").fill("Published needs")
    page.locator("#save-view-shared").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".messages")).to_contain_text("Published needs")
    expect(current).to_have_text("Published needs")
    expect(rows).to_have_count(1)
    saved = SavedView.objects.get()
    assert (saved.query, saved.shared) == ("view=all&status=published", True)
    shot(page, "queue-saved-view")
    context.close()


def test_on_a_phone_the_first_case_is_above_the_fold(browser, live_server, orgs, users, shot):
    _cases(orgs, users)
    client = Client()
    client.force_login(users.unoda)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "domain": host, "path": "/",
          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}]
    )  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/")
    first = page.locator("table.queue tbody tr").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + 40 < PHONE["height"], box  # its reference and more are on the screen
    # The filters are folded away, one tap from the list.
    assert not page.locator("details.filter-panel").evaluate("d => d.open")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(_screenshots() / "queue-phone.png"))
    shot(page, "queue-phone-full")
    context.close()


def _screenshots():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
