"""Two members of a State asking UNODA at the same moment to bring the same offer to the same
request make one referral: the case row lock orders them, and the second is told (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from apps.funding import services
from apps.funding.models import OfferReferral
from tests.factories import make_member

# serialized_rollback restores the seeded categories that the table flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    assert connection.vendor == "postgresql", "row-lock tests need PostgreSQL (see STACK.md)"


@pytest.mark.parametrize("attempt", range(3))
def test_two_asks_at_once_make_one_referral(make_case, users, orgs, attempt):
    case = make_case("published")
    offer = services.offer_create(
        actor=users.donor,
        donor=orgs.donor,
        title="Armoury training",
        currency="USD",
        cooperation_type="north_south",
    )
    colleague = make_member(orgs.recipient, username=f"colleague{attempt}")
    barrier = threading.Barrier(2)
    outcomes = []

    def ask(user):
        try:
            barrier.wait(5)
            services.offer_referral_ask(actor=user, offer=offer, case=case)
            outcomes.append("asked")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(user,)) for user in (users.recipient, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(outcomes) == 2
    assert outcomes.count("asked") == 1
    (refusal,) = [outcome for outcome in outcomes if outcome != "asked"]
    assert "UNODA was already asked on" in refusal
    assert OfferReferral.objects.filter(offer=offer, request=case).count() == 1
