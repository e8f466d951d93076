"""History that shows what changed: each edit of a request, an offer, a commitment, an
agreement, a milestone or an organisation keeps the old and the new value of each field, who
and when (django-simple-history); the case page shows the edits to those who may see the
record."""

import datetime
import html
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases import services as case_services
from apps.cases.models import AssistanceRequest
from apps.cases.workflow import path_to
from apps.followup import services as followup_services
from apps.followup.models import Agreement, AgreementChangeKind, Milestone
from apps.funding import services as funding_services
from apps.funding.models import Commitment, CommitmentStatus, Offer
from apps.organizations import services as organization_services
from apps.organizations.models import Organization
from apps.security.models import AuditEvent

from ..conftest import COMMENT, fire_step

pytestmark = pytest.mark.django_db


def last_two(model, pk):
    """The latest historical row of record ``pk`` and the one before it."""
    newest, before = model.history.filter(id=pk).order_by("-history_date", "-history_id")[:2]
    return before, newest


def audits(action):
    return [e for e in AuditEvent.objects.order_by("pk") if e.detail.get("action") == action]


def commit(case, donor, actor, amount):
    return funding_services.commitment_create(
        actor=actor,
        case=case,
        donor=donor,
        amount=amount,
        currency="USD",
        status=CommitmentStatus.COMMITTED,
    )


def page(client, user, case, query=""):
    client.force_login(user)
    response = client.get(f"/cases/{case.reference}/{query}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def changes_section(body: str) -> str:
    if 'id="changes"' not in body:
        return ""
    return body.split('id="changes"', 1)[1].split("</section>", 1)[0]


# --- Each kind of record keeps its edits -------------------------------------------------------


def test_a_request_edit_keeps_old_and_new_values_and_who(make_case, users):
    case = make_case("draft")
    case_services.request_update(actor=users.recipient, case=case, title="Mark every rifle")
    before, after = last_two(AssistanceRequest, case.pk)
    assert (before.title_en, after.title_en) == ("Secure the central armoury", "Mark every rifle")
    assert after.history_type == "~"
    assert after.history_user == users.recipient
    assert after.history_date <= timezone.now()


def test_each_language_of_a_request_is_kept(make_case, users):
    """Registered after modeltranslation: the per-language columns are in the history."""
    case = make_case("submitted")
    case_services.request_translate(
        actor=users.unoda, case=case, language="fr", title="Sécuriser l'armurerie"
    )
    before, after = last_two(AssistanceRequest, case.pk)
    assert not before.title_fr
    assert after.title_fr == "Sécuriser l'armurerie"
    assert after.history_user == users.unoda


def test_an_offer_edit_keeps_old_and_new_values_and_who(orgs, users):
    offer = funding_services.offer_create(
        actor=users.donor,
        donor=orgs.donor,
        title="Armoury training",
        currency="USD",
        cooperation_type="north_south",
    )
    funding_services.offer_update(
        actor=users.donor, offer=offer, title="Armoury and stockpile training", amount_max=50000
    )
    before, after = last_two(Offer, offer.pk)
    assert (before.title, after.title) == ("Armoury training", "Armoury and stockpile training")
    assert (before.amount_max, after.amount_max) == (None, Decimal("50000.00"))
    assert after.history_user == users.donor


def test_a_commitment_edit_keeps_old_and_new_values_and_who(make_case, orgs, users):
    case = make_case("published")
    commitment = commit(case, orgs.donor, users.donor, "1000")
    funding_services.commitment_update(
        actor=users.unoda, commitment=commitment, amount="1500", note="Raised at the meeting"
    )
    before, after = last_two(Commitment, commitment.pk)
    assert (before.amount, after.amount) == (Decimal("1000.00"), Decimal("1500.00"))
    assert (before.note, after.note) == ("", "Raised at the meeting")
    assert after.history_user == users.unoda


def test_an_agreement_edit_keeps_old_and_new_values_and_who(make_case, users):
    case = make_case("implementation")
    agreement = Agreement.objects.get(request=case)
    followup_services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind=AgreementChangeKind.CORRECTION,
        reason="The amount was typed wrong.",
        amount=Decimal("125000.00"),
    )
    before, after = last_two(Agreement, agreement.pk)
    assert (before.amount, after.amount) == (Decimal("120000.00"), Decimal("125000.00"))
    assert after.history_user == users.unoda


def test_a_milestone_edit_keeps_old_and_new_values_and_who(make_case, users):
    case = make_case("implementation")
    agreement = Agreement.objects.get(request=case)
    milestone = followup_services.milestone_create(
        actor=users.recipient,
        agreement=agreement,
        title="Armoury doors fitted",
        due_date=datetime.date(2026, 12, 20),
    )
    followup_services.milestone_update(
        actor=users.unoda, milestone=milestone, due_date=datetime.date(2027, 1, 10)
    )
    before, after = last_two(Milestone, milestone.pk)
    assert (before.due_date, after.due_date) == (
        datetime.date(2026, 12, 20),
        datetime.date(2027, 1, 10),
    )
    assert before.history_user == users.recipient
    assert after.history_user == users.unoda


def test_an_organization_edit_keeps_old_and_new_values_and_who(orgs, users):
    organization = Organization.objects.get(pk=orgs.donor.pk)
    organization.iati_identifier = "XM-DAC-701"
    organization_services.organization_save(organization=organization, actor=users.unoda)
    before, after = last_two(Organization, organization.pk)
    assert (before.iati_identifier, after.iati_identifier) == ("", "XM-DAC-701")
    assert after.history_user == users.unoda


def test_an_organization_changed_in_the_admin_is_kept_under_the_signed_in_user(client, orgs):
    from ..factories import UserFactory

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    organization = orgs.other_donor
    data = {
        "kind": organization.kind,
        "country": organization.country.code,
        "region": organization.region,
        "is_donor": "on",
        "iati_identifier": "XM-DAC-8",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    for language in ("en", "fr", "es", "ru", "ar", "zh_hans"):
        data[f"name_{language}"] = getattr(organization, f"name_{language}") or "Norway"
        data[f"acronym_{language}"] = ""
    response = client.post(
        f"/admin/organizations/organization/{organization.pk}/change/", data, follow=False
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    before, after = last_two(Organization, organization.pk)
    assert (before.iati_identifier, after.iati_identifier) == ("", "XM-DAC-8")
    assert after.history_user == admin


# --- The case page shows the edits to those who may see the record ------------------------------


@pytest.fixture
def funded(make_case, orgs, users):
    """A case in implementation with a tranche of each donor, each edited, and a milestone
    moved."""
    case = make_case("implementation")
    own = commit(case, orgs.donor, users.donor, "1000")
    other = commit(case, orgs.other_donor, users.other_donor, "700")
    funding_services.commitment_update(actor=users.donor, commitment=own, amount="1200")
    funding_services.commitment_update(
        actor=users.unoda, commitment=other, note="Norway's second thoughts"
    )
    milestone = followup_services.milestone_create(
        actor=users.unoda,
        agreement=Agreement.objects.get(request=case),
        title="Armoury doors fitted",
        due_date=datetime.date(2026, 12, 20),
    )
    followup_services.milestone_update(
        actor=users.unoda, milestone=milestone, title="Armoury doors and locks fitted"
    )
    return case


def test_unoda_sees_every_edit_with_who_and_old_and_new(client, funded, users):
    changes = changes_section(page(client, users.unoda, funded))
    assert "Commitment Japan · Tranche 1" in _plain(changes)
    assert "Amount: $1,000.00" not in changes  # numbers are shown as numbers, not money
    assert "Amount: 1,000.00" in _plain(changes)
    assert "1,000.00 → 1,200.00" in _plain(changes)
    assert "Commitment Norway · Tranche 1" in _plain(changes)
    assert "Note: — → Norway's second thoughts" in _plain(changes)
    assert "Milestone Armoury doors and locks fitted" in _plain(changes)
    assert "Title: Armoury doors fitted → Armoury doors and locks fitted" in _plain(changes)
    assert users.donor.username in changes or users.donor.get_full_name() in changes


def test_the_state_sees_the_edits_of_the_commitments_on_its_request(client, funded, users):
    changes = changes_section(page(client, users.recipient, funded))
    assert "1,200.00" in changes
    assert "Norway's second thoughts" in changes
    assert "Armoury doors and locks fitted" in changes


def test_a_donor_does_not_see_another_donors_commitment_edits(client, funded, users):
    changes = changes_section(page(client, users.donor, funded))
    assert "1,200.00" in changes  # its own
    assert "Norway's second thoughts" not in changes
    assert "Norway" not in changes


def test_a_donor_does_not_see_the_drafts_between_the_state_and_unoda(client, orgs, users):
    case = case_services.request_create(
        actor=users.recipient,
        organization=orgs.recipient,
        title="First draft title",
        objectives="Reduce the diversion of weapons from the central armoury of the police.",
        beneficiaries="National police armourers",
        national_ownership="The national commission on small arms leads and staffs the work.",
        duration_months=12,
        selected_donors=[orgs.donor],
    )
    case_services.request_update(actor=users.recipient, case=case, title="Second draft title")
    for name in path_to("published"):
        fire_step(orgs=orgs, users=users, case=case, transition=name, comment=COMMENT)
    case_services.request_update(actor=users.unoda, case=case, title="Published title")
    for_donor = changes_section(page(client, users.donor, case))
    assert "Second draft title → Published title" in _plain(for_donor)
    assert "First draft title" not in for_donor
    for_state = changes_section(page(client, users.recipient, case))
    assert "First draft title → Second draft title" in _plain(for_state)


def _plain(section: str) -> str:
    """The section's text with the arrow between old and new values kept, tags dropped."""
    import re

    text = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", section)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[ \t\n]+", " ", text)


def test_fields_unoda_keeps_for_itself_are_shown_to_unoda_only(client, make_case, users):
    case = make_case("published")
    case_services.request_assign_officer(actor=users.unoda, case=case, officer=users.unoda)
    assert "Case officer" in changes_section(page(client, users.unoda, case))
    assert "Case officer" not in changes_section(page(client, users.recipient, case))


def test_the_page_shows_the_reader_language(client, funded, users):
    users.unoda.language = "fr"
    users.unoda.save(update_fields=["language"])
    changes = changes_section(page(client, users.unoda, funded))
    assert "Montant" in changes
    assert "1\u202f000,00 → 1\u202f200,00" in _plain(changes)


def test_the_page_shows_the_latest_changes_then_every_change_on_demand(client, make_case, users):
    case = make_case("published")
    for number in range(22):
        case_services.request_update(actor=users.unoda, case=case, title=f"Title {number}")
    latest = changes_section(page(client, users.unoda, case))
    assert "The latest 20 entries are shown." in latest
    assert "Title 0 →" not in _plain(latest)
    every = changes_section(page(client, users.unoda, case, "?changes=all"))
    assert "Title 0 → Title 1" in _plain(every)


def test_case_page_queries_do_not_grow_with_edits(
    client, make_case, orgs, users, django_assert_max_num_queries
):
    case = make_case("implementation")
    first = commit(case, orgs.donor, users.donor, "1000")
    funding_services.commitment_update(actor=users.donor, commitment=first, amount="1100")
    client.force_login(users.unoda)
    client.get(f"/cases/{case.reference}/")  # the per-process caches
    with django_assert_max_num_queries(90) as few:
        client.get(f"/cases/{case.reference}/")
    for number in range(5):
        case_services.request_update(actor=users.unoda, case=case, title=f"Title {number}")
        case_services.request_assign_officer(
            actor=users.unoda, case=case, officer=None if number % 2 else users.unoda
        )
        funding_services.commitment_update(
            actor=users.donor, commitment=first, amount=str(1200 + number)
        )
        more = commit(case, orgs.other_donor, users.other_donor, "10")
        funding_services.commitment_update(actor=users.unoda, commitment=more, note=str(number))
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the case officers
        client.get(f"/cases/{case.reference}/")


# --- The audit log -----------------------------------------------------------------------------


def test_offers_are_audited(orgs, users):
    offer = funding_services.offer_create(
        actor=users.donor,
        donor=orgs.donor,
        title="Armoury training",
        currency="USD",
        cooperation_type="north_south",
    )
    funding_services.offer_update(actor=users.donor, offer=offer, title="Training", kinds=[])
    created, updated = audits("offer_create"), audits("offer_update")
    assert [(e.actor, e.object_type, e.object_id) for e in created] == [
        (users.donor, "funding.offer", str(offer.pk))
    ]
    assert [(e.actor, e.detail["fields"]) for e in updated] == [(users.donor, ["kinds", "title"])]


def test_milestones_are_audited(make_case, users):
    case = make_case("implementation")
    milestone = followup_services.milestone_create(
        actor=users.recipient,
        agreement=Agreement.objects.get(request=case),
        title="Armoury doors fitted",
        due_date=datetime.date(2026, 12, 20),
    )
    followup_services.milestone_update(actor=users.unoda, milestone=milestone, title="Doors")
    followup_services.milestone_complete(actor=users.unoda, milestone=milestone)
    followup_services.milestone_reopen(actor=users.unoda, milestone=milestone)
    rows = [
        (e.detail["action"], e.actor, e.object_id)
        for e in AuditEvent.objects.order_by("pk")
        if e.detail.get("milestone") == milestone.pk
    ]
    assert rows == [
        ("milestone_create", users.recipient, case.reference),
        ("milestone_update", users.unoda, case.reference),
        ("milestone_complete", users.unoda, case.reference),
        ("milestone_reopen", users.unoda, case.reference),
    ]


def test_meetings_are_audited(make_case, orgs, users):
    case = make_case("published")
    meeting = funding_services.meeting_create(
        actor=users.unoda, title="PoA matchmaking", date=timezone.localdate(), invited=[orgs.donor]
    )
    funding_services.meeting_update(actor=users.unoda, meeting=meeting, place="Geneva")
    item = funding_services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
    funding_services.meeting_record_outcome(actor=users.unoda, item=item, outcome="Discussed")
    actions = [
        e.detail["action"]
        for e in AuditEvent.objects.order_by("pk")
        if e.detail.get("meeting") == meeting.pk
    ]
    assert actions == ["meeting_create", "meeting_update", "meeting_item_add", "meeting_outcome"]
