"""The pages that are not the portal's own, under the portal's Content-Security-Policy (issue 27,
Must have 6): Django's admin (sign-in, lists, a form whose date widget is drawn by the admin's
scripts) and the API documentation (Swagger UI with its nonced styles, Redoc with its styles
allowed by their hashes) load and work, and the policy refuses nothing but Redoc's logo from its
makers' CDN (nothing is fetched from elsewhere). Any other refusal fails the test (the
``csp_watch`` fixture of conftest.py)."""

import pytest

pytest.importorskip("playwright", reason="the browser tests need the test group (playwright)")

import re

from playwright.sync_api import expect

from tests.browser.test_i18n_screenshots import signed_in
from tests.conftest import build_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_admin_sign_in_page_list_and_form_work_under_the_policy(
    browser, live_server, orgs, users, shot
):
    build_case(orgs=orgs, users=users, status="published")
    anonymous = browser.new_context(viewport={"width": 1280, "height": 900})
    page = anonymous.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.locator("#login-form")).to_be_visible()
    # The admin's own stylesheet applies: the header is drawn in its colours, not the default.
    assert page.locator("#header").evaluate("e => getComputedStyle(e).display") == "flex"
    shot(page, "admin-login")
    anonymous.close()

    admin = UserFactory(is_staff=True, is_superuser=True)
    context = signed_in(browser, live_server, admin, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/cases/assistancerequest/")
    expect(page.locator("#result_list")).to_be_visible()
    # actions.js runs: ticking a row counts it.
    page.locator("#result_list input.action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.goto(f"{live_server.url}/admin/funding/exchangerate/add/")
    # DateTimeShortcuts.js draws "Today" and the calendar beside the date field.
    expect(page.locator(".datetimeshortcuts a").first).to_be_visible()
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.locator("input.vDateField").first.input_value())
    shot(page, "admin-form")
    context.close()


def test_swagger_and_redoc_draw_the_api_under_the_policy(
    browser, live_server, users, csp_watch, shot
):
    csp_watch.allow("img-src", "https://cdn.redoc.ly/")
    context = signed_in(browser, live_server, users.recipient, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/api/docs/")
    title = "Assistance follow-up portal API"
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(title)
    expect(page.locator(".opblock").first).to_be_visible()
    # The nonced inline style applies.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    shot(page, "api-docs-swagger")

    page.goto(f"{live_server.url}/api/docs/redoc/")
    # Redoc parses the whole schema (hundreds of operations) in the page before drawing it: on a
    # busy machine that takes longer than Playwright's default 5 seconds.
    expect(page.get_by_role("heading", level=1)).to_contain_text(title, timeout=60_000)
    expect(page.get_by_role("heading", name="auth_token_create")).to_be_visible()
    # The menu's groups are folded, as Redoc's styles say.
    expect(page.get_by_role("menuitem", name="auth_token_create")).to_be_hidden()
    # styled-components' rules went in (the sheet the hash let in), and perfect-scrollbar's.
    rules = page.evaluate(
        "[...document.styleSheets].filter(s => !s.href).reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert rules > 50
    assert page.evaluate(
        "[...document.querySelectorAll('style')].some(s => s.textContent.includes('.ps__rail-x'))"
    )
    shot(page, "api-docs-redoc")
    context.close()
