"""Every role does its whole job in the portal's own pages (issue 20): a State's draft is
played to closure in a real browser by the State, a donor, the implementing partner and a UNODA
officer who is not staff, through everything that once needed the admin (translation, related
case, matchmaking meeting and its outcome, agreement with an amendment and its signed document,
milestone done with evidence, progress report with an attachment, feedback waiver); no address
under /admin/ is ever opened. Each party then sees what it should and nothing more."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.cases.models import AssistanceRequest, CaseLink, Status
from apps.followup.models import AgreementChange, FeedbackWaiver, Milestone
from apps.funding.models import MeetingItem
from apps.funding.services import offer_create
from apps.organizations.models import OrganizationKind, Region
from apps.security.demo_devices import demo_totp_device
from tests.conftest import build_case
from tests.factories import UserFactory, make_member, make_organization

from .test_walk import fire, give_feedback, open_case, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


@pytest.fixture
def world():
    state = make_organization("Sierra Leone", recipient=True, country="SL")
    donor = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    other_donor = make_organization("Norway", donor=True, country="NO", region=Region.EUROPE)
    partner = make_organization(
        "UN Regional Centre in Africa", kind=OrganizationKind.UN_ENTITY, country="TG"
    )
    people = {
        "recipient": make_member(state, username="recipient"),
        "donor": make_member(donor, username="donor"),
        "other_donor": make_member(other_donor, username="other_donor"),
        "partner": make_member(partner, username="partner"),
        "officer": UserFactory(username="officer", is_unoda_officer=True, is_staff=False),
    }
    demo_totp_device(people["officer"])
    orgs = type("Orgs", (), {"recipient": state, "donor": donor})()
    users = type("Users", (), {})()
    users.recipient, users.donor, users.unoda = (
        people["recipient"],
        people["donor"],
        people["officer"],
    )
    earlier = build_case(orgs=orgs, users=users, status="published", title="Mark police weapons")
    case = build_case(orgs=orgs, users=users, status="draft", title="Secure the armoury")
    offer = offer_create(
        actor=people["donor"],
        donor=donor,
        title="Locks for armouries",
        currency="USD",
        cooperation_type="north_south",
    )
    return type("World", (), {"case": case, "earlier": earlier, "offer": offer, **people})


def test_every_role_finishes_a_case_without_the_admin(browser, live_server, world, shot):
    ref = world.case.reference
    opened = []  # every address any role's browser asks for

    # The State submits its draft.
    state = sign_in(browser, live_server, "recipient")
    state.on("request", lambda request: opened.append(request.url))
    open_case(state, live_server, ref)
    fire(state, "Submit", "Submitted")

    officer = sign_in(browser, live_server, "officer")
    officer.on("request", lambda request: opened.append(request.url))

    # UNODA reviews, translates the request into French and links the earlier case.
    open_case(officer, live_server, ref)
    fire(officer, "Start review", "Under review")
    officer.get_by_role("link", name="Translations").click()
    officer.locator("#id_fr-title").fill("Sécuriser l'armurerie")
    officer.locator("#id_fr-summary").fill("Clôtures et serrures pour l'armurerie centrale.")
    officer.get_by_role("button", name="Save the French text").click()
    expect(officer.locator(".messages")).to_be_visible()
    open_case(officer, live_server, ref)
    officer.get_by_text("Link a related case").click()
    officer.get_by_role("combobox", name="This case").select_option("builds_on")
    officer.get_by_label("Reference of the other case").fill(world.earlier.reference)
    officer.get_by_role("button", name="Link the cases").click()
    expect(officer.locator("#related")).to_contain_text(world.earlier.reference)
    fire(officer, "Publish to donors", "Published")

    # The donor expresses interest from the published needs.
    donor = sign_in(browser, live_server, "donor")
    donor.on("request", lambda request: opened.append(request.url))
    donor.get_by_role("link", name="Published needs", exact=True).click()
    donor.get_by_role("link", name=ref).click()
    donor.get_by_role("button", name="Express interest for Japan").click()
    expect(donor.locator(".messages")).to_contain_text("Interest recorded for Japan")

    # UNODA puts the case and the donor's offer on a meeting held today and records the outcome.
    officer.get_by_role("link", name="Meetings", exact=True).click()
    officer.get_by_role("link", name="New meeting").click()
    officer.get_by_label("title").fill("Matchmaking, West Africa")
    officer.get_by_label("date").first.fill(timezone.localdate().isoformat())
    officer.get_by_label("Japan").check()
    officer.locator("form button[type=submit]").last.click()
    officer.get_by_label("case", exact=True).select_option(label=f"{ref}: Secure the armoury")
    officer.get_by_label("offer", exact=True).select_option(label="Japan: Locks for armouries")
    officer.get_by_role("button", name="Add to the agenda").last.click()
    officer.get_by_text("Record the outcome").click()
    officer.get_by_label("decision").select_option("follow_up_agreed")
    officer.get_by_label("follow-up").fill("Japan drafts the agreement by Friday.")
    officer.get_by_role("button", name="Save the outcome").click()
    expect(officer.locator(".messages")).to_be_visible()
    assert MeetingItem.objects.get().decision == "follow_up_agreed"
    open_case(officer, live_server, ref)
    expect(officer.get_by_text("Japan drafts the agreement by Friday.")).to_be_visible()

    # UNODA records the agreement with the partner, then amends it with the signed amendment.
    officer.get_by_role("link", name="Record the agreement").click()
    officer.get_by_label("Signed on").fill(timezone.localdate().isoformat())
    officer.get_by_label("implementing partner").select_option(label="UN Regional Centre in Africa")
    officer.get_by_label("amount").fill("80000")
    officer.get_by_label("Start date").fill("2026-02-01")
    officer.get_by_label("End date").fill("2027-01-31")
    officer.get_by_label("Type of cooperation").select_option("multilateral")
    officer.get_by_role("button", name="Record the agreement").click()
    expect(officer.locator(".messages")).to_contain_text("Agreement recorded")
    fire(officer, "Start implementation", "Implementation")
    officer.goto(f"{live_server.url}/followup/{ref}/plan/")
    officer.get_by_role("link", name="Correct or amend the agreement").click()
    officer.get_by_label("amount").fill("95000")
    officer.get_by_label("Amendment (a change agreed by the parties)").check()
    officer.get_by_label("reason for the change").fill("Training added at the donor's request.")
    officer.get_by_label("signed amendment", exact=True).set_input_files(PDF)
    officer.get_by_label("title of the signed amendment").fill("Amendment 1, signed")
    officer.locator("form button[type=submit]").last.click()
    expect(officer.locator("#agreement")).to_be_visible()
    assert AgreementChange.objects.get().kind == "amendment"

    # A milestone is added and marked done with evidence.
    officer.get_by_role("textbox", name=re.compile(r"^milestone")).fill("Fences built")
    officer.get_by_label("due date").fill("2026-03-31")
    officer.get_by_role("button", name="Add the milestone").click()
    officer.get_by_text("Mark done").first.click()
    officer.get_by_label("done on").fill("2026-03-30")
    officer.get_by_label("evidence (document or photo)").set_input_files(PDF)
    officer.get_by_role("button", name="Mark done").click()
    assert Milestone.objects.get().completed_on is not None
    shot(officer, "20-plan-unoda")

    # The implementing partner reports progress with an attachment.
    partner = sign_in(browser, live_server, "partner")
    partner.on("request", lambda request: opened.append(request.url))
    partner.goto(f"{live_server.url}/followup/{ref}/plan/")
    partner.get_by_label("Period from").fill("2026-02-01")
    partner.get_by_label("Period to").fill("2026-04-30")
    partner.get_by_label("Status").select_option("on_track")
    partner.get_by_label("Percent done").fill("40")
    partner.get_by_label("Narrative").fill("Fences built; locks ordered.")
    partner.get_by_label("attachments (photos, reports, certificates)").set_input_files(PDF)
    partner.get_by_role("button", name="Send the report").click()
    expect(partner.locator(".messages")).to_contain_text("Saved")

    # The parties see the signed amendment; a donor that did not sign does not.
    for page in (donor, partner):
        page.goto(f"{live_server.url}/followup/{ref}/plan/")
        expect(page.get_by_role("link", name="Amendment 1, signed").first).to_be_visible()
    outsider = sign_in(browser, live_server, "other_donor")
    response = outsider.goto(f"{live_server.url}/followup/{ref}/plan/")
    assert "Amendment 1, signed" not in (response.text() if response.ok else "")

    # Completion; the State gives feedback, UNODA waives the donor's and closes the case.
    open_case(officer, live_server, ref)
    fire(officer, "Complete implementation", "Feedback")
    give_feedback(state, live_server, ref)
    officer.goto(f"{live_server.url}/followup/{ref}/feedback/")
    officer.get_by_role("combobox", name=re.compile(r"^party")).select_option(label="Japan")
    reason = officer.get_by_role("textbox", name=re.compile(r"^reason"))
    reason.fill("Japan's office closed; no answer after three reminders.")
    officer.get_by_role("button", name="Record the waiver").click()
    assert FeedbackWaiver.objects.count() == 1
    open_case(officer, live_server, ref)
    fire(officer, "Close the case", "Closed")

    assert AssistanceRequest.objects.get(pk=world.case.pk).status == Status.CLOSED
    assert CaseLink.objects.count() == 1
    assert not [url for url in opened if "/admin/" in url]
    # The State sees the link from its earlier case, in both directions.
    open_case(state, live_server, world.earlier.reference)
    expect(state.locator("#related")).to_contain_text(ref)
