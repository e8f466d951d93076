"""The case page at a glance in a real browser: the status track, the funding bar (mirrored in
Arabic), a phone's width, and a destructive action confirmed from the actions menu.
Screenshots: artifacts/screenshots/case-en.png, case-funding-ar.png, case-phone.png."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.cases.models import AssistanceRequest
from apps.funding import services as funding_services
from tests.browser.test_i18n_screenshots import signed_in
from tests.conftest import build_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def funded_case(orgs, users):
    case = build_case(
        orgs=orgs, users=users, status="implementation", budget_amount=Decimal("100000")
    )
    for user, donor, amount in (
        (users.donor, orgs.donor, "40000"),
        (users.other_donor, orgs.other_donor, "20000"),
    ):
        funding_services.commitment_create(
            actor=user, case=case, donor=donor, amount=amount, currency="USD",
            status="committed",
        )  # fmt: skip
    return case


def bar_boxes(page):
    """The x of each stretch of the funding bar as drawn on the screen, in their order."""
    return [rect.bounding_box()["x"] for rect in page.locator(".funding-bar rect.part").all()]


@pytest.mark.parametrize(("language", "name"), [("en", "case-en"), ("ar", "case-funding-ar")])
def test_track_and_funding_bar(browser, live_server, users, funded_case, shot, language, name):
    context = signed_in(browser, live_server, users.unoda, language)
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/{funded_case.reference}/")
    current = page.locator(".track .stage.current")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("aria-current", "step")
    expect(page.locator(".track .stage.done")).to_have_count(6)  # draft ... agreement
    expect(page.locator(".funding-bar")).to_be_visible()
    first, second, gap = bar_boxes(page)
    if language == "en":
        assert first < second < gap  # donors from the left, the gap last
    else:
        assert first > second > gap  # read from the right in Arabic
    # Each section is one link away.
    page.locator(".case-sections a[href='#timeline']").click()
    expect(page).to_have_url(f"{live_server.url}/cases/{funded_case.reference}/#timeline")
    shot(page, name)
    context.close()


def test_phone_width_case_page_fits(browser, live_server, users, funded_case, shot):
    context = signed_in(browser, live_server, users.recipient, "en")
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/cases/{funded_case.reference}/")
    expect(page.locator(".track .stage.current")).to_be_visible()
    expect(page.locator(".funding-bar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "case-phone")
    context.close()


def test_withdrawing_is_behind_the_menu_and_asks_for_a_reason(browser, live_server, orgs, users):
    case = build_case(orgs=orgs, users=users, status="under_review")
    context = signed_in(browser, live_server, users.unoda, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    confirm = page.get_by_role("button", name="Confirm: Withdraw the request")
    expect(page.get_by_role("button", name="Publish to donors")).to_be_visible()
    expect(confirm).to_be_hidden()
    page.get_by_text("Other actions", exact=True).click()
    page.get_by_text("Withdraw the request…", exact=True).click()
    confirm.click()  # without a reason: the browser refuses, nothing is sent
    assert AssistanceRequest.objects.get(pk=case.pk).status == "under_review"
    page.get_by_label("Why? (required to “Withdraw the request”)").fill("Asked by the State.")
    confirm.click()
    expect(page.locator(".track .stage.ended")).to_contain_text("Withdrawn")
    assert AssistanceRequest.objects.get(pk=case.pk).status == "withdrawn"
    context.close()
