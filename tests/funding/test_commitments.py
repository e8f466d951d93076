"""Commitments: status flow, disbursements, history, access, and bad input changing nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.funding import selectors, services
from apps.funding.models import CommitmentStatus

from .conftest import funding_snapshot


@pytest.fixture
def case(make_case):
    return make_case("agreement", budget_amount=Decimal("100000"), budget_currency="USD")


@pytest.fixture
def commitment(case, orgs, users):
    return services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="40000", currency="USD"
    )


def test_pledge_commit_disburse_with_history(commitment, users):
    assert commitment.status == CommitmentStatus.PLEDGED
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    services.disbursement_record(actor=users.donor, commitment=commitment, amount="15000.50")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.PARTIALLY_DISBURSED
    services.disbursement_record(actor=users.donor, commitment=commitment, amount="24999.50")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DISBURSED
    history = list(commitment.changes.order_by("created_at", "pk"))
    assert [h.action for h in history] == ["created", "committed", "disbursed", "disbursed"]
    assert all(h.actor == users.donor for h in history)
    assert history[-1].changes["status"] == ["partially_disbursed", "disbursed"]


def test_update_records_who_changed_what(commitment, users):
    services.commitment_update(
        actor=users.unoda, commitment=commitment, amount=Decimal("45000"), comment="Revised"
    )
    change = commitment.changes.order_by("created_at", "pk").last()
    assert change.actor == users.unoda
    assert change.changes == {"amount": ["40000.00", "45000"]}
    assert change.comment == "Revised"


@pytest.mark.parametrize("amount", ["0", "-5", "-0.01"])
def test_zero_or_negative_amount_is_refused(case, orgs, users, amount):
    before = funding_snapshot()
    with pytest.raises(ValidationError) as error:
        services.commitment_create(
            actor=users.donor, case=case, donor=orgs.donor, amount=amount, currency="USD"
        )
    assert "amount" in error.value.message_dict
    assert funding_snapshot() == before


def test_unknown_currency_is_refused(case, orgs, users):
    before = funding_snapshot()
    with pytest.raises(ValidationError) as error:
        services.commitment_create(
            actor=users.donor, case=case, donor=orgs.donor, amount="10", currency="XYZ"
        )
    assert "currency" in error.value.message_dict
    assert funding_snapshot() == before


def test_disbursing_more_than_committed_is_refused(commitment, users):
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    services.disbursement_record(actor=users.donor, commitment=commitment, amount="30000")
    before = funding_snapshot()
    with pytest.raises(ValidationError, match=r"more than the 40000\.00 committed"):
        services.disbursement_record(actor=users.donor, commitment=commitment, amount="10000.01")
    assert funding_snapshot() == before


@pytest.mark.parametrize("amount", ["0", "-100"])
def test_zero_or_negative_disbursement_is_refused(commitment, users, amount):
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    before = funding_snapshot()
    with pytest.raises(ValidationError):
        services.disbursement_record(actor=users.donor, commitment=commitment, amount=amount)
    assert funding_snapshot() == before


def test_disbursing_a_pledge_is_refused(commitment, users):
    before = funding_snapshot()
    with pytest.raises(ApplicationError, match="firm commitment"):
        services.disbursement_record(actor=users.donor, commitment=commitment, amount="10")
    assert funding_snapshot() == before


def test_future_disbursement_is_refused(commitment, users):
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    before = funding_snapshot()
    with pytest.raises(ValidationError):
        services.disbursement_record(
            actor=users.donor,
            commitment=commitment,
            amount="10",
            date=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert funding_snapshot() == before


def test_amount_below_disbursed_is_refused(commitment, users):
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    services.disbursement_record(actor=users.donor, commitment=commitment, amount="30000")
    before = funding_snapshot()
    with pytest.raises(ValidationError):
        services.commitment_update(actor=users.donor, commitment=commitment, amount="20000")
    assert funding_snapshot() == before


@pytest.mark.parametrize("actor", ["other_donor", "recipient", "outsider"])
def test_only_the_donor_or_unoda_update_a_commitment(commitment, users, actor):
    before = funding_snapshot()
    for call in (
        lambda: services.commitment_confirm(actor=getattr(users, actor), commitment=commitment),
        lambda: services.commitment_update(
            actor=getattr(users, actor), commitment=commitment, amount="1"
        ),
        lambda: services.commitment_cancel(
            actor=getattr(users, actor), commitment=commitment, comment="x"
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert funding_snapshot() == before


def test_donor_cannot_record_funding_for_another_donor(case, orgs, users):
    before = funding_snapshot()
    with pytest.raises(PermissionDenied):
        services.commitment_create(
            actor=users.donor, case=case, donor=orgs.other_donor, amount="10", currency="USD"
        )
    assert funding_snapshot() == before


def test_no_funding_on_an_unpublished_request(make_case, orgs, users):
    case = make_case("under_review")
    before = funding_snapshot()
    with pytest.raises(ApplicationError):
        services.commitment_create(
            actor=users.unoda, case=case, donor=orgs.donor, amount="10", currency="USD"
        )
    assert funding_snapshot() == before


def test_cancel_needs_a_reason_and_then_counts_nowhere(case, commitment, users):
    with pytest.raises(ValidationError):
        services.commitment_cancel(actor=users.donor, commitment=commitment, comment="")
    services.commitment_cancel(actor=users.donor, commitment=commitment, comment="Budget cut")
    figures = selectors.request_funding(case=case)
    assert figures.pledged.amount == Decimal("0.00")
    assert figures.gap.amount == Decimal("100000.00")


class TestScoping:
    def test_donor_sees_only_its_own_commitments(self, case, orgs, users, commitment):
        other = services.commitment_create(
            actor=users.other_donor, case=case, donor=orgs.other_donor, amount="5", currency="USD"
        )
        assert list(selectors.commitment_list(user=users.donor)) == [commitment]
        assert list(selectors.commitment_list(user=users.other_donor)) == [other]
        with pytest.raises(type(commitment).DoesNotExist):
            selectors.commitment_get(user=users.donor, pk=other.pk)

    def test_recipient_sees_commitments_on_its_own_requests_only(
        self, make_case, case, orgs, users, commitment
    ):
        assert list(selectors.commitment_list(user=users.recipient)) == [commitment]
        assert list(selectors.commitment_list(user=users.other_recipient)) == []
        assert list(selectors.commitment_list(user=users.outsider)) == []
        assert selectors.commitment_list(user=users.unoda).count() == 1

    def test_list_query_count_does_not_grow(
        self, case, orgs, users, commitment, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(2):
            rows = list(selectors.commitment_list(user=users.donor))
            assert [(r.donor.name, r.request.reference) for r in rows]


def test_the_same_disbursement_again_within_a_minute_needs_a_confirmation(commitment, users):
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    services.disbursement_record(actor=users.donor, commitment=commitment, amount="1000")
    with pytest.raises(ValidationError) as refused:
        services.disbursement_record(actor=users.donor, commitment=commitment, amount="1000")
    assert "a moment ago" in refused.value.message_dict["confirm_repeat"][0]
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("1000")
    # Another amount, or the same one confirmed, is recorded.
    services.disbursement_record(actor=users.donor, commitment=commitment, amount="1500")
    services.disbursement_record(
        actor=users.donor, commitment=commitment, amount="1000", confirm_repeat=True
    )
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("3500")


def test_the_api_refuses_a_repeat_disbursement_unless_confirmed(commitment, users, client):
    services.commitment_confirm(actor=users.donor, commitment=commitment)
    client.force_login(users.donor)
    url = f"/api/v1/commitments/{commitment.pk}/disbursements/"
    assert client.post(url, {"amount": "1000"}, content_type="application/json").status_code == 201
    again = client.post(url, {"amount": "1000"}, content_type="application/json")
    assert again.status_code == 409  # refused by the rule, the field named
    assert "confirm_repeat" in again.json()["error"]["fields"]
    confirmed = client.post(
        url, {"amount": "1000", "confirm_repeat": True}, content_type="application/json"
    )
    assert confirmed.status_code == 201
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("2000")


def test_control_characters_in_a_cancel_reason_are_refused_with_a_message(commitment, users):
    before = funding_snapshot()
    with pytest.raises(ValidationError) as refused:
        services.commitment_cancel(actor=users.donor, commitment=commitment, comment="a\x00b")
    assert "control characters" in refused.value.message_dict["comment"][0]
    assert funding_snapshot() == before
    services.commitment_cancel(actor=users.donor, commitment=commitment, comment="Budget cut.\n")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.CANCELLED
