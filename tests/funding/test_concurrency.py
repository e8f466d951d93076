"""Donors funding one case at the same moment: every commitment lands, numbered and recorded
once (PostgreSQL row locks: the case's row is taken before a tranche is numbered)."""

import threading

import pytest
from django.db import connection, connections

from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.funding import services
from apps.funding.models import (
    Commitment,
    CommitmentChange,
    CommitmentStatus,
    ExpressionOfInterest,
    InterestStatus,
)

# serialized_rollback restores the seeded categories that the table flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    assert connection.vendor == "postgresql", "row-lock tests need PostgreSQL (see STACK.md)"


def run_at_once(*calls):
    """Run each call in a thread of its own (its own database connection), released together
    by a barrier; returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(5)
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_donors_commit_to_the_same_case_at_once(make_case, orgs, users, attempt):
    case = make_case("published")

    def fund(actor, donor, amount, status):
        return lambda: services.commitment_create(
            actor=actor,
            case=AssistanceRequest.objects.get(pk=case.pk),
            donor=donor,
            amount=amount,
            currency="USD",
            status=status,
        )

    results = run_at_once(
        fund(users.donor, orgs.donor, "1000.10", CommitmentStatus.COMMITTED),
        fund(users.other_donor, orgs.other_donor, "2000.20", CommitmentStatus.PLEDGED),
    )
    assert all(isinstance(result, Commitment) for result in results), results
    rows = {
        c.donor_id: (c.tranche, c.status, str(c.amount))
        for c in Commitment.objects.filter(request=case)
    }
    assert rows == {
        orgs.donor.pk: (1, CommitmentStatus.COMMITTED, "1000.10"),
        orgs.other_donor.pk: (1, CommitmentStatus.PLEDGED, "2000.20"),
    }
    assert CommitmentChange.objects.filter(commitment__request=case, action="created").count() == 2
    # The first to get the case's lock moved it to donor interest, once.
    assert AssistanceRequest.objects.get(pk=case.pk).status == Status.DONOR_INTEREST
    changes = StatusChange.objects.filter(request=case, transition="register_interest")
    assert changes.count() == 1
    interests = ExpressionOfInterest.objects.filter(request=case)
    assert {i.status for i in interests} == {InterestStatus.CONVERTED}


def test_one_donor_adding_two_tranches_at_once_gets_two_numbers(make_case, orgs, users):
    case = make_case("implementation")

    def tranche(actor, amount):
        return lambda: services.commitment_create(
            actor=actor,
            case=AssistanceRequest.objects.get(pk=case.pk),
            donor=orgs.donor,
            amount=amount,
            currency="USD",
        )

    results = run_at_once(tranche(users.donor, "10"), tranche(users.unoda, "20"))
    assert all(isinstance(result, Commitment) for result in results), results
    rows = sorted(
        Commitment.objects.filter(request=case, donor=orgs.donor).values_list("tranche", "amount")
    )
    assert [number for number, _amount in rows] == [1, 2]
    assert sorted(str(amount) for _number, amount in rows) == ["10.00", "20.00"]
