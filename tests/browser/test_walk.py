"""The whole lifecycle in a real browser: a State's draft to a closed case with two donors,
switching users as the roles take turns; then the queue's filters and bulk assign."""

import datetime
import re

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from apps.cases.models import AssistanceRequest, Status
from apps.organizations.models import Region
from apps.security.demo_devices import demo_totp_device
from apps.security.testing import next_totp_code
from tests.factories import PASSWORD, UserFactory, make_member, make_organization

# serialized_rollback: the flush after each test must not lose the data migrations' rows
# (categories, reminder rules) that later tests rely on.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def people():
    sierra_leone = make_organization("Sierra Leone", recipient=True, country="SL")
    japan = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    norway = make_organization("Norway", donor=True, country="NO", region=Region.EUROPE)
    people = {
        "recipient": make_member(sierra_leone, username="recipient"),
        "donor_a": make_member(japan, username="donor_a"),
        "donor_b": make_member(norway, username="donor_b"),
        "officer": UserFactory(username="officer", is_unoda_officer=True, first_name="Amina"),
        "officer2": UserFactory(
            username="officer2", is_unoda_officer=True, first_name="Lucas", last_name="Martin"
        ),
    }
    for username in ("officer", "officer2"):
        demo_totp_device(people[username])  # UNODA officers sign in with two factors
    return people


def sign_in(browser: Browser, live_server, username: str) -> Page:
    """A fresh browser context per user: switching users is switching windows."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    pass_two_factor(page, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    return page


def pass_two_factor(page: Page, username: str) -> None:
    """UNODA officers enter the code of their authenticator after the password."""
    if "/security/otp/verify/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code from your authenticator app").fill(next_totp_code(device))
        page.get_by_role("button", name="Verify").click()


def open_case(page: Page, live_server, reference: str) -> None:
    page.goto(f"{live_server.url}/cases/{reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def fire(page: Page, label: str, status: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"The case is now “{status}”")


def give_feedback(page: Page, live_server, reference: str) -> None:
    page.goto(f"{live_server.url}/followup/{reference}/feedback/")
    for label in ("Relevance", "Coherence", "Effectiveness", "Efficiency", "Impact"):
        page.get_by_label(label, exact=True).fill("4")
    page.get_by_label("Sustainability", exact=True).fill("3")
    page.get_by_label("Overall rating", exact=True).fill("4")
    page.get_by_label("What worked").fill("Training of depot staff.")
    # Submitting seals the answer: the page asks first (the dialog is accepted).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Your feedback has been submitted")


def test_whole_lifecycle_with_two_donors(browser, live_server, people, shot):
    # The State writes its request step by step and submits it.
    state = sign_in(browser, live_server, "recipient")
    shot(state, "01-home-recipient")
    state.get_by_role("link", name="Write a new request").first.click()
    state.get_by_label("Title of the request").fill("Secure the central armoury")
    state.get_by_role("button", name="Create the draft").click()
    expect(state.locator(".messages")).to_contain_text("Draft REQ-")
    reference = AssistanceRequest.objects.get().reference
    state.get_by_label("Summary").fill("Fences, locks and training for the central armoury.")
    state.get_by_role("button", name="Save and continue").click()
    state.get_by_label("Background").fill("Weapons leak from poorly secured depots.")
    state.get_by_role("button", name="Save and continue").click()
    state.get_by_label("Objectives").fill("No diversion from the central armoury.")
    state.get_by_label("Activities and budget lines").fill("Fences 40k; locks 10k; training 30k.")
    state.get_by_role("button", name="Save and continue").click()
    shot(state, "02-proposal-step")
    state.get_by_label("Beneficiaries").fill("National police.")
    state.get_by_role("button", name="Save and continue").click()
    # The results framework: an outcome with a measurable indicator.
    state.get_by_label(re.compile("^Outcome")).fill("No weapon leaves the central armoury.")
    state.get_by_role("button", name="Add the outcome").click()
    expect(state.locator(".messages")).to_contain_text("Outcome added.")
    state.get_by_role("link", name="Add an indicator").click()
    state.get_by_label(re.compile("^Indicator")).fill("Weapons missing at the yearly count")
    state.get_by_label("Unit", exact=True).fill("weapons")
    state.get_by_label("Higher is better").uncheck()
    state.get_by_label("Baseline", exact=True).fill("40")
    state.get_by_label("Baseline date").fill("2026-01-01")
    state.get_by_label("Target", exact=True).fill("0")
    state.get_by_label("Target date").fill("2027-12-31")
    state.get_by_role("button", name="Save", exact=True).click()
    expect(state.locator(".framework-indicators")).to_contain_text("Weapons missing")
    state.get_by_role("link", name="Continue", exact=True).click()
    state.get_by_label("National ownership").fill("Led by the national commission.")
    state.get_by_role("button", name="Save and continue").click()
    state.get_by_label("Estimated budget").fill("80000")
    state.get_by_role("button", name="Save and continue").click()
    state.get_by_role("button", name="Save and continue").click()  # visibility: all donors
    expect(state.get_by_role("heading", name="Review and submit")).to_be_visible()
    state.get_by_role("button", name="Submit to UNODA").click()
    expect(state.locator(".messages")).to_contain_text("Submitted")

    # UNODA reviews and publishes it.
    officer = sign_in(browser, live_server, "officer")
    open_case(officer, live_server, reference)
    fire(officer, "Start review", "Under review")
    officer.get_by_label("Add a comment").fill("Checked with the mission: complete.")
    officer.get_by_label("Who may read it").select_option("internal")
    officer.get_by_role("button", name="Post the comment").click()
    expect(officer.locator("#timeline .timeline")).to_contain_text("Checked with the mission")
    fire(officer, "Publish to donors", "Published")
    shot(officer, "03-case-page-unoda")

    # Two donors express interest; neither sees UNODA's internal comment.
    for username, donor in (("donor_a", "Japan"), ("donor_b", "Norway")):
        page = sign_in(browser, live_server, username)
        page.get_by_role("link", name="Published needs", exact=True).click()
        page.get_by_role("link", name=reference).click()
        expect(page.locator("#timeline .timeline")).not_to_contain_text("Checked with the mission")
        page.get_by_role("button", name=f"Express interest for {donor}").click()
        expect(page.locator(".messages")).to_contain_text(f"Interest recorded for {donor}")
    shot(page, "04-case-page-donor")

    # UNODA records the agreement with both donors and starts implementation.
    officer.reload()
    officer.get_by_role("link", name="Record the agreement").click()
    # Signed today: never in the future, nor before the request (made today) existed.
    officer.get_by_label("Signed on").fill(timezone.localdate().isoformat())
    expect(officer.get_by_label("Japan")).to_be_checked()
    expect(officer.get_by_label("Norway")).to_be_checked()
    officer.get_by_label("Start date").fill("2026-02-01")
    officer.get_by_label("End date").fill("2027-01-31")
    officer.get_by_label("Type of cooperation").select_option("north_south")
    shot(officer, "05-agreement-form")
    officer.get_by_role("button", name="Record the agreement").click()
    expect(officer.locator(".messages")).to_contain_text("Agreement recorded")
    fire(officer, "Start implementation", "Implementation")

    # The State reports progress.
    state.goto(f"{live_server.url}/followup/{reference}/plan/")
    state.get_by_label("Period from").fill("2026-02-01")
    state.get_by_label("Period to").fill("2026-04-30")
    state.get_by_label("Status").select_option("on_track")
    state.get_by_label("Percent done").fill("40")
    state.get_by_label("Narrative").fill("Fences built; locks ordered.")
    state.get_by_role("button", name="Send the report").click()
    expect(state.locator(".messages")).to_contain_text("Saved")
    expect(state.locator(".report")).to_contain_text("40%")
    shot(state, "06-implementation-plan")

    # UNODA completes; the State and both donors give feedback; UNODA closes.
    open_case(officer, live_server, reference)
    fire(officer, "Complete implementation", "Feedback")
    give_feedback(state, live_server, reference)
    for username in ("donor_a", "donor_b"):
        give_feedback(sign_in(browser, live_server, username), live_server, reference)
    shot(state, "07-feedback")
    open_case(officer, live_server, reference)
    fire(officer, "Close the case", "Closed")
    assert AssistanceRequest.objects.get().status == Status.CLOSED

    # Signing out leads back to the sign-in page.
    state.get_by_role("button", name="Sign out").click()
    expect(state.get_by_role("heading", name="Sign in")).to_be_visible()


def test_queue_filters_and_bulk_assign(browser, live_server, people, shot):
    from tests.conftest import build_case

    orgs = type("Orgs", (), {})()
    orgs.recipient = people["recipient"].memberships.get().organization
    orgs.donor = people["donor_a"].memberships.get().organization
    users = type("Users", (), {})()
    users.recipient, users.donor = people["recipient"], people["donor_a"]
    users.unoda = people["officer"]
    submitted = build_case(orgs=orgs, users=users, status="submitted", title="Mark weapons")
    build_case(orgs=orgs, users=users, status="draft", title="Draft not for UNODA eyes yet")
    published = build_case(orgs=orgs, users=users, status="published", title="Train customs")
    AssistanceRequest.objects.filter(pk=published.pk).update(due_date=datetime.date(2020, 1, 1))

    officer = sign_in(browser, live_server, "officer")
    officer.get_by_role("link", name="Case queue").click()
    expect(officer.locator("table.queue")).to_contain_text(submitted.reference)
    officer.get_by_label("Status").select_option("submitted")
    expect(officer).to_have_url(re.compile(r"status=submitted"))  # once the list is drawn again
    expect(officer.locator("table.queue")).not_to_contain_text(published.reference)
    expect(officer.locator("table.queue")).to_contain_text(submitted.reference)
    shot(officer, "08-queue-filtered")

    officer.get_by_role("link", name="Overdue", exact=True).first.click()
    officer.goto(f"{live_server.url}/cases/?view=overdue")
    expect(officer.locator("table.queue")).to_contain_text(published.reference)
    expect(officer.locator("table.queue")).not_to_contain_text(submitted.reference)

    officer.goto(f"{live_server.url}/cases/?view=unassigned")
    officer.get_by_label("Select all").check()
    officer.get_by_label("Assign to").select_option(label="Lucas Martin")
    officer.get_by_role("button", name="Assign", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("cases assigned to Lucas Martin")
    assert set(AssistanceRequest.objects.values_list("case_officer__username", flat=True)) == {
        "officer2"
    }
    shot(officer, "09-queue-after-bulk-assign")

    # A phone-width screen: the queue still reads (rows become blocks).
    phone = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("Username").fill("officer")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    pass_two_factor(phone, "officer")
    phone.goto(f"{live_server.url}/cases/?view=all")  # all assigned to officer2: none needs officer
    expect(phone.locator("table.queue")).to_contain_text(submitted.reference)
    shot(phone, "10-queue-phone")
