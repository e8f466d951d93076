"""The offers of assistance: every donor's offers available today for States and donors; UNODA
also the withdrawn and expired ones; filters by donor, category, kind and region."""

import datetime

import pytest
from django.utils import timezone

from apps.funding.models import Offer
from apps.funding.services import offer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(orgs, users, cat, kind):
    today = timezone.localdate()
    return {
        "fences": offer_create(
            actor=users.donor,
            donor=orgs.donor,
            title="Fences and locks for armouries",
            categories=[cat["stockpile"]],
            kinds=[kind["equipment"]],
            regions=["africa"],
            currency="USD",
            amount_max=50000,
            cooperation_type="north_south",
        ),
        "training": offer_create(
            actor=users.other_donor,
            donor=orgs.other_donor,
            title="Training of border guards",
            categories=[cat["border"]],
            kinds=[kind["training"]],
            regions=["global"],
            currency="EUR",
            cooperation_type="south_south",
        ),
        "withdrawn": offer_create(
            actor=users.donor,
            donor=orgs.donor,
            title="Withdrawn marking machines",
            currency="USD",
            is_active=False,
            cooperation_type="north_south",
        ),
        "expired": offer_create(
            actor=users.donor,
            donor=orgs.donor,
            title="Expired destruction help",
            currency="USD",
            valid_from=today - datetime.timedelta(days=400),
            valid_until=today - datetime.timedelta(days=1),
            cooperation_type="north_south",
        ),
        "future": offer_create(
            actor=users.donor,
            donor=orgs.donor,
            title="Future legal drafting",
            currency="USD",
            valid_from=today + datetime.timedelta(days=30),
            cooperation_type="north_south",
        ),
    }


def titles(response) -> set[str]:
    return {o.title for o in response.context["offers"]}


def test_a_state_sees_every_donors_available_offers_only(client, users, offers):
    client.force_login(users.recipient)
    response = client.get("/funding/offers/")
    assert response.status_code == 200
    assert titles(response) == {"Fences and locks for armouries", "Training of border guards"}
    assert b"Available assistance" in response.content
    assert b"/funding/offers/%d/" % offers["fences"].pk not in response.content  # no edit link


def test_a_state_cannot_ask_for_withdrawn_offers(client, users, offers):
    client.force_login(users.recipient)
    response = client.get("/funding/offers/", {"status": "inactive"})
    assert titles(response) == {"Fences and locks for armouries", "Training of border guards"}


def test_a_donor_sees_other_donors_offers_too(client, users, offers):
    client.force_login(users.other_donor)
    assert "Fences and locks for armouries" in titles(client.get("/funding/offers/"))


def test_unoda_may_list_the_withdrawn_and_the_expired(client, users, offers):
    client.force_login(users.unoda)
    assert titles(client.get("/funding/offers/", {"status": "inactive"})) == {
        "Withdrawn marking machines"
    }
    assert titles(client.get("/funding/offers/", {"status": "expired"})) == {
        "Expired destruction help"
    }
    everything = client.get("/funding/offers/", {"status": "all"})
    assert titles(everything) == {o.title for o in Offer.objects.all()}
    assert b"/funding/offers/%d/" % offers["fences"].pk in everything.content  # edit link


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "border"}, {"Training of border guards"}),
        ({"kind": "equipment"}, {"Fences and locks for armouries"}),
        # A global offer covers every region.
        ({"region": "africa"}, {"Fences and locks for armouries", "Training of border guards"}),
        ({"region": "asia"}, {"Training of border guards"}),
        ({"q": "border"}, {"Training of border guards"}),
    ],
)
def test_filters(client, users, offers, params, expected):
    client.force_login(users.unoda)
    assert titles(client.get("/funding/offers/", params)) == expected


def test_filter_by_donor(client, users, orgs, offers):
    client.force_login(users.recipient)
    response = client.get("/funding/offers/", {"donor": orgs.other_donor.pk})
    assert titles(response) == {"Training of border guards"}


def test_an_invalid_filter_is_ignored_not_an_error(client, users, offers):
    client.force_login(users.recipient)
    response = client.get("/funding/offers/", {"donor": "x", "region": "mars"})
    assert response.status_code == 200
    assert titles(response) == {"Fences and locks for armouries", "Training of border guards"}


def test_the_list_reads_the_same_number_of_queries_for_more_offers(client, users, orgs, offers):
    client.force_login(users.recipient)
    client.get("/funding/offers/")  # warm the per-process reference caches

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/funding/offers/").status_code == 200
        return len(queries)

    before = count()
    for n in range(5):
        offer_create(
            actor=users.donor,
            donor=orgs.donor,
            title=f"More help {n}",
            currency="USD",
            cooperation_type="north_south",
        )
    assert count() == before
