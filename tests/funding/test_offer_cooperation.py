"""The type of cooperation of an offer (issue 21): required when an offer is posted (service,
donor desk, API), shown on the offer pages and usable as a filter of the offers list."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.funding.models import CooperationType, Offer
from apps.funding.services import offer_create, offer_update

pytestmark = pytest.mark.django_db


def _offer(users, orgs, **fields):
    return offer_create(
        actor=users.donor, donor=orgs.donor, title="Locks for armouries", currency="USD", **fields
    )


@pytest.mark.parametrize("value", [None, "", "bilateral"])
def test_an_offer_without_a_valid_type_of_cooperation_is_refused(users, orgs, value):
    fields = {} if value is None else {"cooperation_type": value}
    with pytest.raises(ValidationError) as error:
        _offer(users, orgs, **fields)
    assert "Choose the type of cooperation" in error.value.message_dict["cooperation_type"][0]
    assert not Offer.objects.exists()


def test_an_offer_keeps_its_type_and_an_update_cannot_empty_it(users, orgs):
    offer = _offer(users, orgs, cooperation_type=CooperationType.SOUTH_SOUTH)
    assert Offer.objects.get(pk=offer.pk).cooperation_type == "south_south"
    with pytest.raises(ValidationError):
        offer_update(actor=users.donor, offer=offer, title="Changed", cooperation_type="")
    offer.refresh_from_db()
    assert (offer.title, offer.cooperation_type) == ("Locks for armouries", "south_south")
    # An update that does not touch the type leaves it as it is.
    offer_update(actor=users.donor, offer=offer, title="Changed")
    offer.refresh_from_db()
    assert (offer.title, offer.cooperation_type) == ("Changed", "south_south")


def test_the_donor_desk_requires_the_type_and_keeps_what_was_typed(client, users, orgs):
    client.force_login(users.donor)
    desk = client.get("/funding/desk/").content.decode()
    assert 'name="cooperation_type"' in desk
    data = {"donor": orgs.donor.pk, "title": "Typed offer title", "currency": "USD"}
    response = client.post("/funding/offers/new/", data)
    assert response.status_code == 200
    assert "cooperation_type" in response.context["offer_form"].errors
    assert "Typed offer title" in response.content.decode()
    assert not Offer.objects.exists()
    response = client.post("/funding/offers/new/", {**data, "cooperation_type": "triangular"})
    assert response.status_code == 302
    assert Offer.objects.get().cooperation_type == "triangular"


def test_the_offer_pages_show_the_type_and_the_list_filters_by_it(client, users, orgs):
    regional = _offer(users, orgs, cooperation_type=CooperationType.REGIONAL)
    _offer(users, orgs, cooperation_type=CooperationType.NORTH_SOUTH)
    legacy = _offer(users, orgs, cooperation_type=CooperationType.NORTH_SOUTH)
    Offer.objects.filter(pk=legacy.pk).update(cooperation_type="")  # from before the type
    client.force_login(users.recipient)
    page = client.get("/funding/offers/").content.decode()
    assert "Type of cooperation" in page
    for label in ("Regional", "North-South", "not recorded"):
        assert label in page
    response = client.get("/funding/offers/", {"cooperation": "regional"})
    assert [offer.pk for offer in response.context["offers"]] == [regional.pk]
    client.force_login(users.donor)
    edit = client.get(f"/funding/offers/{regional.pk}/").content.decode()
    assert "Type of cooperation: Regional" in edit
    desk = client.get("/funding/desk/").content.decode()
    assert '<span class="tag">Regional</span>' in desk


def test_the_api_requires_and_returns_the_type(users, orgs):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users.donor).key}")
    body = {"donor": orgs.donor.pk, "title": "Marking machines", "currency": "USD"}
    response = api.post("/api/v1/offers/", body, format="json")
    assert response.status_code == 400
    assert "cooperation_type" in str(response.json()["error"])
    assert not Offer.objects.exists()
    response = api.post(
        "/api/v1/offers/", {**body, "cooperation_type": "multilateral"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["cooperation_type"] == "multilateral"
    pk = response.json()["id"]
    assert api.get(f"/api/v1/offers/{pk}/").json()["cooperation_type"] == "multilateral"
    response = api.patch(f"/api/v1/offers/{pk}/", {"cooperation_type": "bilateral"}, format="json")
    assert response.status_code == 400
    assert Offer.objects.get(pk=pk).cooperation_type == "multilateral"
