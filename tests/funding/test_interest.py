"""Expressions of interest drive the case between published and donor interest."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.cases.models import AssistanceRequest, Status, StatusChange, Visibility
from apps.core.exceptions import ApplicationError
from apps.funding import services
from apps.funding.models import InterestStatus

from .conftest import funding_snapshot


def status_of(case):
    return AssistanceRequest.objects.get(pk=case.pk).status


def test_first_interest_moves_case_and_last_withdrawal_moves_it_back(make_case, orgs, users):
    case = make_case("published")
    first = services.interest_express(actor=users.donor, case=case, donor=orgs.donor, message="Hi")
    assert status_of(case) == Status.DONOR_INTEREST
    second = services.interest_express(actor=users.other_donor, case=case, donor=orgs.other_donor)
    assert status_of(case) == Status.DONOR_INTEREST
    services.interest_withdraw(actor=users.donor, interest=first)
    assert status_of(case) == Status.DONOR_INTEREST  # Norway's interest still stands
    services.interest_withdraw(actor=users.other_donor, interest=second)
    assert status_of(case) == Status.PUBLISHED
    transitions = list(
        StatusChange.objects.filter(request=case).values_list("transition", flat=True)
    )
    assert transitions[-2:] == ["register_interest", "interest_withdrawn"]
    first.refresh_from_db()
    assert first.status == InterestStatus.WITHDRAWN


def test_interest_after_agreement_fires_no_transition(make_case, orgs, users):
    case = make_case("agreement")
    before = StatusChange.objects.filter(request=case).count()
    services.interest_express(actor=users.other_donor, case=case, donor=orgs.other_donor)
    assert status_of(case) == Status.AGREEMENT
    assert StatusChange.objects.filter(request=case).count() == before


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review", "withdrawn", "closed"])
def test_interest_in_an_unpublished_or_finished_request_is_refused(make_case, orgs, users, status):
    case = make_case(status)
    before = (funding_snapshot(), status_of(case), StatusChange.objects.count())
    with pytest.raises(ApplicationError, match="not open to donor interest"):
        services.interest_express(actor=users.unoda, case=case, donor=orgs.donor)
    assert (funding_snapshot(), status_of(case), StatusChange.objects.count()) == before


def test_donor_cannot_express_interest_for_another_donor(make_case, orgs, users):
    case = make_case("published")
    before = funding_snapshot()
    with pytest.raises(PermissionDenied):
        services.interest_express(actor=users.donor, case=case, donor=orgs.other_donor)
    assert funding_snapshot() == before
    assert status_of(case) == Status.PUBLISHED


def test_donor_not_selected_cannot_express_interest(make_case, orgs, users):
    case = make_case("published", visibility=Visibility.SELECTED_DONORS)
    before = funding_snapshot()
    with pytest.raises(ApplicationError):
        services.interest_express(actor=users.other_donor, case=case, donor=orgs.other_donor)
    assert funding_snapshot() == before


def test_second_active_interest_of_same_donor_is_refused(make_case, orgs, users):
    case = make_case("published")
    services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    before = funding_snapshot()
    with pytest.raises(ValidationError) as error:
        services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    assert "donor" in error.value.message_dict
    assert funding_snapshot() == before


def test_other_donor_cannot_withdraw_an_interest(make_case, orgs, users):
    case = make_case("published")
    interest = services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    before = funding_snapshot()
    with pytest.raises(PermissionDenied):
        services.interest_withdraw(actor=users.other_donor, interest=interest)
    assert funding_snapshot() == before
    assert status_of(case) == Status.DONOR_INTEREST


def test_commitment_converts_the_interest_and_keeps_the_case_in_donor_interest(
    make_case, orgs, users
):
    case = make_case("published")
    interest = services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="1000", currency="USD"
    )
    interest.refresh_from_db()
    assert interest.status == InterestStatus.CONVERTED
    with pytest.raises(ApplicationError):
        services.interest_withdraw(actor=users.donor, interest=interest)
    assert status_of(case) == Status.DONOR_INTEREST
