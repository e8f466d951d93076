"""Interest, commitment and disbursement as one story per donor and case: funding in tranches,
disbursements that stay within their tranche and its dates, no second interest once a donor
is in, and the closure of a case that tells what was not disbursed."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.cases.history import history_sentences
from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.cases.services import request_transition
from apps.core.exceptions import ApplicationError
from apps.funding import services
from apps.funding.models import (
    Commitment,
    CommitmentStatus,
    ExchangeRate,
    ExpressionOfInterest,
    InterestStatus,
)

from ..conftest import COMMENT, submit_all_feedback
from .conftest import funding_snapshot

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def status_of(case):
    return AssistanceRequest.objects.get(pk=case.pk).status


def history_of(case):
    return list(StatusChange.objects.filter(request=case).values_list("pk", "to_status"))


@pytest.fixture
def case(make_case):
    return make_case("implementation", budget_amount=Decimal("100000"), budget_currency="USD")


def commit(case, donor, actor, amount, *, pledged_on=None):
    return services.commitment_create(
        actor=actor,
        case=case,
        donor=donor,
        amount=amount,
        currency="USD",
        status=CommitmentStatus.COMMITTED,
        pledged_on=pledged_on,
    )


# --- Interest --------------------------------------------------------------------------------


def test_a_second_active_interest_is_refused_and_changes_nothing(make_case, orgs, users):
    case = make_case("published")
    services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    before, history = funding_snapshot(), history_of(case)
    with pytest.raises(ValidationError, match="already expressed interest"):
        services.interest_express(actor=users.donor, case=case, donor=orgs.donor, message="Again")
    assert funding_snapshot() == before
    assert history_of(case) == history


@pytest.mark.parametrize("stage", [CommitmentStatus.PLEDGED, CommitmentStatus.COMMITTED])
def test_interest_after_committing_is_refused_and_changes_nothing(make_case, orgs, users, stage):
    """The bug of issue 21: after committing, a donor could express interest again and got a
    second active interest beside its converted one."""
    case = make_case("published")
    services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="5000", currency="USD", status=stage
    )
    before, history = funding_snapshot(), history_of(case)
    with pytest.raises(ValidationError) as error:
        services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    message = error.value.message_dict["donor"][0]
    assert "Japan already funds this request (tranche 1" in message
    assert "Add a tranche" in message
    assert funding_snapshot() == before
    assert history_of(case) == history
    assert ExpressionOfInterest.objects.filter(request=case, donor=orgs.donor).count() == 1


def test_a_donor_whose_funding_was_cancelled_may_express_interest_again(make_case, orgs, users):
    case = make_case("donor_interest")
    pledge = services.commitment_create(
        actor=users.other_donor, case=case, donor=orgs.other_donor, amount="10", currency="USD"
    )
    services.commitment_cancel(actor=users.other_donor, commitment=pledge, comment="Budget cut")
    interest = services.interest_express(actor=users.other_donor, case=case, donor=orgs.other_donor)
    assert interest.status == InterestStatus.ACTIVE


# --- Tranches --------------------------------------------------------------------------------


def test_a_donor_funds_in_three_tranches_each_with_its_own_dates_amount_and_status(
    case, orgs, users
):
    first = commit(case, orgs.donor, users.donor, "40000", pledged_on=today() - 90 * DAY)
    # The euro's rate of the second tranche's month (the rate of a day is one of its month).
    ExchangeRate.objects.update_or_create(
        currency="EUR",
        valid_on=(today() - 10 * DAY).replace(day=1),
        defaults={"rate_per_usd": Decimal("0.8")},
    )
    second = services.commitment_create(
        actor=users.donor,
        case=case,
        donor=orgs.donor,
        amount="25000.50",
        currency="EUR",
        pledged_on=today() - 10 * DAY,
        expected_commitment_date=today() + 30 * DAY,
    )
    third = commit(case, orgs.donor, users.unoda, "5000")
    other = commit(case, orgs.other_donor, users.other_donor, "1000")
    assert [first.tranche, second.tranche, third.tranche, other.tranche] == [1, 2, 3, 1]
    services.disbursement_record(actor=users.donor, commitment=first, amount="10000")
    rows = Commitment.objects.filter(request=case, donor=orgs.donor).order_by("tranche")
    assert [(c.tranche, c.status, c.amount, c.currency, c.pledged_on) for c in rows] == [
        (1, "partially_disbursed", Decimal("40000.00"), "USD", today() - 90 * DAY),
        (2, "pledged", Decimal("25000.50"), "EUR", today() - 10 * DAY),
        (3, "committed", Decimal("5000.00"), "USD", today()),
    ]
    assert rows[1].expected_commitment_date == today() + 30 * DAY
    assert second.changes.get().changes["tranche"] == [None, 2]
    # A cancelled tranche keeps its number; the next one follows it.
    services.commitment_cancel(actor=users.donor, commitment=third, comment="Replaced")
    fourth = commit(case, orgs.donor, users.donor, "6000")
    assert fourth.tranche == 4


def test_tranche_dates_that_make_no_sense_are_refused(case, orgs, users):
    before = funding_snapshot()
    with pytest.raises(ValidationError) as error:
        services.commitment_create(
            actor=users.donor, case=case, donor=orgs.donor, amount="10", currency="USD",
            pledged_on=today() + DAY,
        )  # fmt: skip
    assert "pledged_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.commitment_create(
            actor=users.donor, case=case, donor=orgs.donor, amount="10", currency="USD",
            pledged_on=today() - DAY, expected_commitment_date=today() - 2 * DAY,
        )  # fmt: skip
    assert "expected_commitment_date" in error.value.message_dict
    assert funding_snapshot() == before
    pledge = services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="10", currency="USD",
        pledged_on=today() - 5 * DAY,
    )  # fmt: skip
    before = funding_snapshot()
    for on in (today() - 6 * DAY, today() + DAY):
        with pytest.raises(ValidationError) as error:
            services.commitment_confirm(actor=users.donor, commitment=pledge, on=on)
        assert "on" in error.value.message_dict
    assert funding_snapshot() == before


# --- Disbursements ---------------------------------------------------------------------------


def test_over_disbursing_a_tranche_is_refused_with_what_is_left(case, orgs, users):
    first = commit(case, orgs.donor, users.donor, "1000")
    second = commit(case, orgs.donor, users.donor, "5000")
    services.disbursement_record(actor=users.donor, commitment=first, amount="600")
    before = funding_snapshot()
    # The donor's other tranche has room, but a disbursement belongs to one tranche.
    with pytest.raises(ValidationError) as error:
        services.disbursement_record(actor=users.donor, commitment=first, amount="400.01")
    message = error.value.message_dict["amount"][0]
    assert "on tranche 1" in message
    assert "400.00 USD is left to disburse" in message
    assert funding_snapshot() == before
    services.disbursement_record(actor=users.donor, commitment=first, amount="400")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == CommitmentStatus.DISBURSED
    assert second.status == CommitmentStatus.COMMITTED


def test_a_disbursement_before_its_tranche_was_committed_is_refused(case, orgs, users):
    pledge = services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="1000", currency="USD",
        pledged_on=today() - 30 * DAY,
    )  # fmt: skip
    services.commitment_confirm(actor=users.donor, commitment=pledge, on=today() - 10 * DAY)
    before = funding_snapshot()
    with pytest.raises(ValidationError) as error:
        services.disbursement_record(
            actor=users.donor, commitment=pledge, amount="10", date=today() - 11 * DAY
        )
    assert "before its tranche was committed" in error.value.message_dict["date"][0]
    assert funding_snapshot() == before
    # On the day of the commitment it is fine.
    services.disbursement_record(
        actor=users.donor, commitment=pledge, amount="10", date=today() - 10 * DAY
    )


def test_a_tranche_without_commitment_date_counts_from_its_pledge(case, orgs, users):
    """Records from before commitment dates were kept: the pledge's date is the bound."""
    tranche = commit(case, orgs.donor, users.donor, "1000", pledged_on=today() - 20 * DAY)
    Commitment.objects.filter(pk=tranche.pk).update(committed_on=None)
    before = funding_snapshot()
    with pytest.raises(ValidationError, match="before its tranche was pledged"):
        services.disbursement_record(
            actor=users.donor, commitment=tranche, amount="10", date=today() - 21 * DAY
        )
    assert funding_snapshot() == before


def test_a_disbursement_in_the_future_is_refused(case, orgs, users):
    tranche = commit(case, orgs.donor, users.donor, "1000")
    before = funding_snapshot()
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        services.disbursement_record(
            actor=users.donor, commitment=tranche, amount="10", date=today() + DAY
        )
    assert funding_snapshot() == before


# --- Closure ---------------------------------------------------------------------------------


@pytest.fixture
def in_feedback(make_case, orgs, users):
    """A case in feedback, every feedback given, funded by Japan in two tranches (one partly
    disbursed, one fully) and by Norway in one (nothing disbursed), plus a pledge."""
    case = make_case("implementation", budget_amount=Decimal("100000"), budget_currency="USD")
    services.interest_express(actor=users.other_donor, case=case, donor=orgs.other_donor)
    first = commit(case, orgs.donor, users.donor, "40000")
    second = commit(case, orgs.donor, users.donor, "2000")
    norway = commit(case, orgs.other_donor, users.other_donor, "3000")
    services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="999", currency="USD"
    )  # a pledge: not firm, not asked about
    services.disbursement_record(actor=users.donor, commitment=first, amount="15000")
    services.disbursement_record(actor=users.donor, commitment=second, amount="2000")
    request_transition(actor=users.unoda, case=case, transition="complete")
    submit_all_feedback(users=users, case=case)
    case.refresh_from_db()
    return case, first, norway


def test_closing_with_undisbursed_commitments_needs_a_confirmation(in_feedback, users):
    case, _first, _norway = in_feedback
    before, history = funding_snapshot(), history_of(case)
    with pytest.raises(ApplicationError) as error:
        request_transition(actor=users.unoda, case=case, transition="close", comment=COMMENT)
    message = str(error.value)
    assert error.value.code == "confirmation_required"
    assert "Japan, tranche 1: $25,000.00 of $40,000.00" in message
    assert "Norway, tranche 1: $3,000.00 of $3,000.00" in message
    assert "tranche 2" not in message  # fully disbursed
    assert "$999" not in message  # a pledge
    assert status_of(case) == Status.FEEDBACK
    assert history_of(case) == history
    assert funding_snapshot() == before


def test_a_confirmed_closure_needs_a_reason_kept_in_the_history(in_feedback, users):
    case, _first, _norway = in_feedback
    before, history = funding_snapshot(), history_of(case)
    with pytest.raises(ValidationError) as error:
        request_transition(actor=users.unoda, case=case, transition="close", confirmed=True)
    assert "comment" in error.value.message_dict
    assert status_of(case) == Status.FEEDBACK
    assert history_of(case) == history
    assert funding_snapshot() == before
    change = request_transition(
        actor=users.unoda,
        case=case,
        transition="close",
        comment="Norway's payment is on its way.",
        confirmed=True,
    )
    assert status_of(case) == Status.CLOSED
    change.refresh_from_db()
    assert change.comment == "Norway's payment is on its way."
    [note] = history_sentences(change)
    assert "Norway, tranche 1: $3,000.00 of $3,000.00" in note


def test_a_fully_disbursed_case_closes_without_confirmation(make_case, orgs, users):
    case = make_case("implementation")
    tranche = commit(case, orgs.donor, users.donor, "100")
    services.disbursement_record(actor=users.donor, commitment=tranche, amount="100")
    request_transition(actor=users.unoda, case=case, transition="complete")
    submit_all_feedback(users=users, case=case)
    request_transition(actor=users.unoda, case=case, transition="close")
    assert status_of(case) == Status.CLOSED


def test_unoda_records_a_disbursement_after_closure_and_the_donor_cannot(
    in_feedback, orgs, users, client
):
    case, _first, norway = in_feedback
    request_transition(
        actor=users.unoda, case=case, transition="close", comment=COMMENT, confirmed=True
    )
    before = funding_snapshot()
    with pytest.raises(PermissionDenied):
        services.disbursement_record(actor=users.other_donor, commitment=norway, amount="3000")
    assert funding_snapshot() == before
    late = services.disbursement_record(
        actor=users.unoda, commitment=norway, amount="3000", note="Arrived after closure"
    )
    norway.refresh_from_db()
    assert norway.status == CommitmentStatus.DISBURSED
    client.force_login(users.unoda)
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert f'id="tranche-{norway.pk}"' in body
    row = body.split(f'id="tranche-{norway.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "$3,000.00" in row
    assert "recorded after closure" in row
    assert late.recorded_by == users.unoda
    # The donor sees it too, on the closed case.
    client.force_login(users.other_donor)
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert "recorded after closure" in body


@pytest.mark.parametrize(
    ("status", "transition"),
    [("feedback", "close"), ("donor_interest", "withdraw"), ("published", "decline")],
)
def test_interests_are_concluded_when_the_case_ends(make_case, orgs, users, status, transition):
    case = make_case(status)
    converted = ExpressionOfInterest.objects.create(
        request=case, donor=orgs.other_donor, status=InterestStatus.CONVERTED
    )
    withdrawn = ExpressionOfInterest.objects.create(
        request=case, donor=orgs.other_donor, status=InterestStatus.WITHDRAWN
    )
    active = ExpressionOfInterest.objects.create(
        request=case, donor=orgs.other_donor, status=InterestStatus.ACTIVE
    )
    if transition == "close":
        submit_all_feedback(users=users, case=case)
    request_transition(actor=users.unoda, case=case, transition=transition, comment=COMMENT)
    statuses = dict(ExpressionOfInterest.objects.filter(request=case).values_list("pk", "status"))
    assert statuses.pop(withdrawn.pk) == InterestStatus.WITHDRAWN
    assert statuses[converted.pk] == statuses[active.pk] == InterestStatus.CONCLUDED
    assert set(statuses.values()) == {InterestStatus.CONCLUDED}  # Japan's too, if any
    with pytest.raises(ApplicationError, match="Only an active interest"):
        services.interest_withdraw(actor=users.other_donor, interest=active)


def test_a_concluded_interest_has_no_withdraw_button(make_case, orgs, users, client):
    case = make_case("feedback")
    interest = case.interests.get()
    submit_all_feedback(users=users, case=case)
    request_transition(actor=users.unoda, case=case, transition="close")
    interest.refresh_from_db()
    assert interest.status == InterestStatus.CONCLUDED
    client.force_login(users.donor)
    body = client.get("/funding/desk/").content.decode()
    assert "Concluded" in body
    assert f"/funding/interests/{interest.pk}/withdraw/" not in body


def test_the_data_migration_concludes_the_interests_of_ended_cases(make_case, orgs, users):
    migration = importlib.import_module("apps.funding.migrations.0004_commitment_tranches")
    ended = make_case("closed")
    running = make_case("donor_interest")
    stale = [
        ExpressionOfInterest.objects.create(request=ended, donor=orgs.other_donor, status=status)
        for status in (InterestStatus.ACTIVE, InterestStatus.CONVERTED)
    ]
    withdrawn = ExpressionOfInterest.objects.create(
        request=ended, donor=orgs.other_donor, status=InterestStatus.WITHDRAWN
    )
    live = running.interests.get()
    migration.conclude_interests(django_apps, None)
    for interest in stale:
        interest.refresh_from_db()
        assert interest.status == InterestStatus.CONCLUDED
    withdrawn.refresh_from_db()
    live.refresh_from_db()
    assert withdrawn.status == InterestStatus.WITHDRAWN
    assert live.status == InterestStatus.ACTIVE


def test_the_data_migration_numbers_existing_tranches(make_case, orgs, users):
    migration = importlib.import_module("apps.funding.migrations.0004_commitment_tranches")
    case = make_case("agreement")
    rows = [
        Commitment.objects.create(
            request=case,
            donor=donor,
            amount=Decimal(10),
            currency="USD",
            pledged_on=today(),
            status=status,
            tranche=number,
        )
        for donor, status, number in (
            (orgs.donor, CommitmentStatus.CANCELLED, 1),
            (orgs.other_donor, CommitmentStatus.PLEDGED, 1),
            (orgs.donor, CommitmentStatus.COMMITTED, 7),
        )
    ]
    migration.number_tranches(django_apps, None)
    assert [Commitment.objects.get(pk=row.pk).tranche for row in rows] == [1, 1, 2]
