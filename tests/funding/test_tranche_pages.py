"""The pages and the API tell one story per donor and case: no "Express interest" once a donor
is in, "Add a tranche" instead, a donor's tranches together, and a closure that asks UNODA to
confirm what it leaves undisbursed."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases.history import history_sentences
from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.cases.services import request_transition
from apps.funding import services
from apps.funding.models import Commitment, CommitmentStatus

from ..conftest import submit_all_feedback
from .conftest import funding_snapshot


def case_page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def commit(case, donor, actor, amount, status=CommitmentStatus.COMMITTED):
    return services.commitment_create(
        actor=actor, case=case, donor=donor, amount=amount, currency="USD", status=status
    )


@pytest.mark.parametrize("engagement", ["interest", "pledge", "commitment"])
def test_an_engaged_donor_is_not_offered_express_interest(
    client, make_case, orgs, users, engagement
):
    case = make_case("published")
    if engagement == "interest":
        services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    else:
        status = CommitmentStatus.PLEDGED if engagement == "pledge" else "committed"
        commit(case, orgs.donor, users.donor, "1000", status)
    body = case_page(client, users.donor, case)
    assert "Express interest for Japan" not in body
    assert ("Add a tranche for Japan" in body) == (engagement != "interest")
    # Another donor, not engaged, still is.
    assert "Express interest for Norway" in case_page(client, users.other_donor, case)


def test_a_donor_whose_only_tranche_was_cancelled_is_offered_interest_again(
    client, make_case, orgs, users
):
    case = make_case("donor_interest")
    pledge = commit(case, orgs.other_donor, users.other_donor, "10", CommitmentStatus.PLEDGED)
    services.commitment_cancel(actor=users.other_donor, commitment=pledge, comment="No budget")
    body = case_page(client, users.other_donor, case)
    assert "Express interest for Norway" in body
    assert "Record a pledge or commitment for Norway" in body


def test_the_express_interest_form_posted_anyway_is_refused_on_the_page(
    client, make_case, orgs, users
):
    case = make_case("published")
    commit(case, orgs.donor, users.donor, "1000")
    before = funding_snapshot()
    client.force_login(users.donor)
    response = client.post(
        f"/funding/{case.reference}/interest/", {"donor": orgs.donor.pk, "message": "Again"}
    )
    assert response.status_code == 400
    assert "Japan already funds this request" in response.content.decode()
    assert funding_snapshot() == before


def test_a_second_tranche_through_the_case_page(client, make_case, orgs, users):
    case = make_case("implementation")
    commit(case, orgs.donor, users.donor, "1000")
    client.force_login(users.donor)
    pledged_on = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post(
        f"/funding/{case.reference}/commitment/",
        {
            "donor": orgs.donor.pk,
            "amount": "2,500.50",
            "currency": "usd",
            "status": "pledged",
            "pledged_on": pledged_on.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    second = Commitment.objects.get(request=case, donor=orgs.donor, tranche=2)
    assert (second.amount, second.pledged_on, second.status) == (
        Decimal("2500.50"),
        pledged_on,
        CommitmentStatus.PLEDGED,
    )
    before = funding_snapshot()
    response = client.post(
        f"/funding/{case.reference}/commitment/",
        {
            "donor": orgs.donor.pk,
            "amount": "10",
            "currency": "USD",
            "status": "pledged",
            "pledged_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "A pledge cannot be dated in the future." in response.content.decode()
    assert funding_snapshot() == before


def test_the_case_page_lists_a_donors_tranches_together_with_disbursements(
    client, make_case, orgs, users
):
    case = make_case("implementation")
    first = commit(case, orgs.donor, users.donor, "1000")
    commit(case, orgs.other_donor, users.other_donor, "700")
    second = commit(case, orgs.donor, users.donor, "300")
    services.disbursement_record(actor=users.donor, commitment=first, amount="250", note="Q1")
    body = case_page(client, users.unoda, case)
    table = '<table class="responsive commitments" id="commitments">'
    rows = body.split(table, 1)[1].split("</table>", 1)[0]
    # Japan's two tranches, then Norway's.
    assert rows.index(f'id="tranche-{first.pk}"') < rows.index(f'id="tranche-{second.pk}"')
    norway = Commitment.objects.get(donor=orgs.other_donor)
    assert rows.index(f'id="tranche-{second.pk}"') < rows.index(f'id="tranche-{norway.pk}"')
    first_row = rows.split(f'id="tranche-{first.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "$250.00" in first_row  # the disbursement
    assert "$750.00" in first_row  # left to disburse
    # The donor's name shown once for its tranches (and read out on each row).
    assert rows.count('<td data-label="Donor">Japan</td>') == 1
    assert rows.count('<span class="visually-hidden">Japan</span>') == 1


def test_case_page_queries_do_not_grow_with_tranches(
    client, make_case, orgs, users, django_assert_max_num_queries
):
    case = make_case("implementation")
    first = commit(case, orgs.donor, users.donor, "1000")
    services.disbursement_record(actor=users.donor, commitment=first, amount="1")
    client.force_login(users.unoda)
    with django_assert_max_num_queries(80) as few:
        client.get(f"/cases/{case.reference}/")
    for _index in range(4):
        more = commit(case, orgs.donor, users.donor, "1000")
        for amount in ("1", "2"):
            services.disbursement_record(actor=users.donor, commitment=more, amount=amount)
        commit(case, orgs.other_donor, users.other_donor, "10")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/cases/{case.reference}/")


def test_the_desk_numbers_tranches_and_offers_to_add_one(client, make_case, orgs, users):
    case = make_case("implementation")
    first = commit(case, orgs.donor, users.donor, "1000")
    second = commit(case, orgs.donor, users.donor, "300")
    client.force_login(users.donor)
    body = client.get("/funding/desk/").content.decode()
    assert "Tranche 1" in body
    assert "Tranche 2" in body
    link = f'/cases/{case.reference}/#pledge-{orgs.donor.pk}"'
    assert body.count(link) == 1  # on the last tranche only
    second_row = body.split(f'id="commitment-{second.pk}"', 1)[1].split("</tr>", 1)[0]
    assert link in second_row
    assert first.pk != second.pk


# --- Closing -------------------------------------------------------------------------------


@pytest.fixture
def in_feedback(make_case, orgs, users):
    case = make_case("implementation")
    tranche = commit(case, orgs.donor, users.donor, "1000")
    services.disbursement_record(actor=users.donor, commitment=tranche, amount="400")
    request_transition(actor=users.unoda, case=case, transition="complete")
    submit_all_feedback(users=users, case=case)
    return AssistanceRequest.objects.get(pk=case.pk)


def test_the_close_button_shows_what_is_undisbursed_and_asks_to_confirm(client, in_feedback, users):
    case = in_feedback
    body = case_page(client, users.unoda, case)
    form = body.split('value="close"', 1)[1].split("</form>", 1)[0]
    assert "Japan, tranche 1: $600.00 of $1,000.00 not disbursed" in form
    assert 'name="confirm"' in form
    assert 'name="comment"' in form


def test_closing_on_the_page_without_confirmation_changes_nothing(client, in_feedback, users):
    case = in_feedback
    client.force_login(users.unoda)
    before = (funding_snapshot(), StatusChange.objects.count())
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {"transition": "close", "expected_status": "feedback", "comment": "Done."},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Firm commitments are not fully disbursed" in body
    assert "$600.00 of $1,000.00" in body
    assert "Done." in body  # the reason as typed
    assert AssistanceRequest.objects.get(pk=case.pk).status == Status.FEEDBACK
    assert (funding_snapshot(), StatusChange.objects.count()) == before
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {"transition": "close", "expected_status": "feedback", "comment": "Done.", "confirm": "1"},
    )
    assert response.status_code == 302
    assert AssistanceRequest.objects.get(pk=case.pk).status == Status.CLOSED
    change = StatusChange.objects.filter(request=case).latest("created_at")
    assert change.comment == "Done."
    [note] = history_sentences(change)
    assert "$600.00 of $1,000.00" in note
