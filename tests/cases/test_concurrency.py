"""Two people firing transitions on one case at once: exactly one wins (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections, transaction

from apps.cases import services
from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.core.exceptions import ConflictError

from ..conftest import COMMENT

# serialized_rollback restores the seeded categories that the table flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    assert connection.vendor == "postgresql", "row-lock tests need PostgreSQL (see STACK.md)"


def test_second_officer_gets_a_conflict_while_the_first_holds_the_lock(make_case, users):
    case = make_case("under_review")
    locked = threading.Event()
    release = threading.Event()

    def first_officer():
        try:
            with transaction.atomic():
                AssistanceRequest.objects.select_for_update().get(pk=case.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=first_officer)
    holder.start()
    assert locked.wait(10)
    try:
        with pytest.raises(ConflictError, match="Someone else is acting on this case"):
            services.request_transition(actor=users.unoda, case=case, transition="publish")
    finally:
        release.set()
        holder.join()
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    assert not StatusChange.objects.filter(request=case, transition="publish").exists()


@pytest.mark.parametrize("attempt", range(5))
def test_racing_officers_exactly_one_wins(make_case, users, attempt):
    case = make_case("under_review")
    barrier = threading.Barrier(2)
    outcomes = {}
    actions = {"publish": "", "decline": COMMENT}

    def officer(name):
        try:
            barrier.wait(5)
            services.request_transition(
                actor=users.unoda,
                case=AssistanceRequest.objects.get(pk=case.pk),
                transition=name,
                comment=actions[name],
                expected_status=Status.UNDER_REVIEW,
            )
            outcomes[name] = "won"
        except ConflictError as error:
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=officer, args=(name,)) for name in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    winners = [name for name, result in outcomes.items() if result == "won"]
    losers = [result for result in outcomes.values() if isinstance(result, ConflictError)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    case.refresh_from_db()
    assert case.status == {"publish": Status.PUBLISHED, "decline": Status.DECLINED}[winners[0]]
    changes = StatusChange.objects.filter(request=case, from_status=Status.UNDER_REVIEW)
    assert [c.transition for c in changes] == winners


def test_references_stay_unique_under_concurrent_creation(orgs, users):
    barrier = threading.Barrier(4)
    references = []
    errors = []

    def create(index):
        try:
            barrier.wait(5)
            with transaction.atomic():
                case = services.request_create(
                    actor=users.recipient, organization=orgs.recipient, title=f"Case {index}"
                )
            references.append(case.reference)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert len(set(references)) == 4
