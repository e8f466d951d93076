"""The case page in Arabic (right to left) and in Chinese, in a real browser; screenshots go to
artifacts/screenshots/case-ar.png and case-zh-hans.png."""

import pytest

pytest.importorskip("playwright", reason="the browser tests need the test group (playwright)")

import re
from decimal import Decimal

from django.conf import settings
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from tests.conftest import build_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def signed_in(browser, live_server, user, language):
    """A browser context signed in as ``user``, reading ``language``."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[
                settings.SESSION_COOKIE_NAME].value, "domain": host, "path": "/"},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host,
             "path": "/"},
        ]
    )  # fmt: skip
    return context


def translated(language, message):
    with translation.override(language):
        return translation.gettext(message)


@pytest.mark.parametrize(
    ("language", "direction", "heading"),
    [("ar", "rtl", "التسلسل الزمني"), ("zh-hans", "ltr", "时间线")],
)
def test_case_page_in_arabic_and_chinese(
    browser, live_server, orgs, users, shot, language, direction, heading
):
    case = build_case(
        orgs=orgs, users=users, status="published", budget_amount=Decimal("250000.00")
    )
    context = signed_in(browser, live_server, users.unoda, language)
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    shot(page, f"case-{language}")
    context.close()


def test_queue_and_dashboard_in_arabic(browser, live_server, orgs, users, shot):
    """The queue and the dashboard read right to left, and the dashboard's charts are drawn;
    screenshots go to artifacts/screenshots/queue-ar.png and dashboard-ar.png."""
    for status in ("submitted", "published", "agreement"):
        build_case(orgs=orgs, users=users, status=status, budget_amount=Decimal("250000.00"))
    context = signed_in(browser, live_server, users.unoda, "ar")
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".reference").first).to_be_visible()
    shot(page, "queue-ar")

    page.goto(f"{live_server.url}/reports/dashboard/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The charts are drawn in the browser, mirrored (tests/browser/test_dashboard.py).
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "1")
    assert page.locator("canvas[data-chart]").count() >= 6
    shot(page, "dashboard-ar")

    # The filters: chosen in the form, applied by its button, kept in the address.
    page.locator("select#id_region").select_option("africa")
    page.get_by_role("button", name=translated("ar", "Apply filters")).click()
    expect(page).to_have_url(re.compile(r"region=africa"))
    expect(page.locator("select#id_region")).to_have_value("africa")
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "1")
    shot(page, "dashboard-filter-ar")
    context.close()
