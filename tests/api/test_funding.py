import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases.models import Status
from apps.funding import services as funding_services
from apps.funding.models import (
    Commitment,
    CommitmentStatus,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    InterestStatus,
    Offer,
)
from apps.funding.selectors import commitment_list, interest_list

from .test_requests import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(make_case, users, orgs):
    case = make_case("donor_interest")
    return funding_services.commitment_create(
        actor=users.donor,
        case=case,
        donor=orgs.donor,
        amount=Decimal("10000.00"),
        currency="USD",
        status=CommitmentStatus.COMMITTED,
    )


def test_donor_records_a_disbursement(api, users, commitment):
    client = api(users.donor)
    listed = client.get("/api/v1/commitments/").json()["results"]
    assert [row["id"] for row in listed] == [commitment.pk]
    response = client.post(
        f"/api/v1/commitments/{commitment.pk}/disbursements/",
        # Dated on the day of the commitment (not before it: see the refusal below).
        {"amount": "2500.50", "date": commitment.committed_on.isoformat(), "note": "First"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "2500.50"
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.PARTIALLY_DISBURSED
    assert commitment.changes.filter(action="disbursed").exists()
    detail = client.get(f"/api/v1/commitments/{commitment.pk}/").json()
    assert detail["disbursements"][0]["amount"] == "2500.50"


@pytest.mark.parametrize(
    ("who", "body", "status_code"),
    [
        ("donor", {"amount": "10000.01"}, 409),  # more than committed: a rule
        ("donor", {"amount": "0"}, 400),
        ("donor", {"amount": "abc"}, 400),
        ("donor", {"amount": "5", "date": "2999-01-01"}, 409),  # future
        ("donor", {"amount": "5", "date": "2001-01-01"}, 409),  # before the commitment
        ("donor", {"amount": "5", "currency": "EUR"}, 400),  # unknown field
        ("other_donor", {"amount": "5"}, 404),  # another donor's commitment
        ("recipient", {"amount": "5"}, 403),  # sees it, may not disburse
    ],
)
def test_bad_disbursements_change_nothing(api, users, commitment, who, body, status_code):
    response = api(getattr(users, who)).post(
        f"/api/v1/commitments/{commitment.pk}/disbursements/", body, format="json"
    )
    assert_error(response, status_code)
    assert not Disbursement.objects.exists()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.COMMITTED


def test_disbursing_a_pledge_is_409(api, users, make_case, orgs):
    case = make_case("published")
    pledge = funding_services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount=Decimal(5), currency="USD"
    )
    response = api(users.donor).post(
        f"/api/v1/commitments/{pledge.pk}/disbursements/", {"amount": "1"}, format="json"
    )
    assert assert_error(response, 409)["code"] == "not_committed"
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("who", ["recipient", "donor", "other_donor", "unoda", "outsider"])
def test_commitment_and_interest_lists_match_the_selectors(api, users, commitment, who):
    user = getattr(users, who)
    client = api(user)
    ids = {row["id"] for row in client.get("/api/v1/commitments/").json()["results"]}
    assert ids == set(commitment_list(user=user).values_list("pk", flat=True))
    ids = {row["id"] for row in client.get("/api/v1/interests/").json()["results"]}
    assert ids == set(interest_list(user=user).values_list("pk", flat=True))


def test_pledge_confirm_update_cancel(api, users, make_case, orgs):
    case = make_case("published")
    client = api(users.donor)
    pledge = {"request": case.reference, "donor": orgs.donor.pk, "amount": "300"}
    # No JPY rate this month: refused with the reason, nothing recorded.
    response = client.post("/api/v1/commitments/", {**pledge, "currency": "JPY"}, format="json")
    assert response.status_code == 409
    assert "There is no exchange rate of JPY" in response.content.decode()
    assert not case.commitments.exists()
    ExchangeRate.objects.create(
        currency="JPY", rate_per_usd=Decimal("150"), valid_on=timezone.localdate().replace(day=1)
    )
    response = client.post(
        "/api/v1/commitments/",
        {"request": case.reference, "donor": orgs.donor.pk, "amount": "300", "currency": "JPY"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    case.refresh_from_db()
    assert case.status == Status.DONOR_INTEREST  # funding is interest: the service moved it on
    response = client.patch(f"/api/v1/commitments/{pk}/", {"amount": "400"}, format="json")
    assert response.json()["amount"] == "400.00"
    response = client.post(f"/api/v1/commitments/{pk}/confirm/", {}, format="json")
    assert response.json()["status"] == "committed"
    assert_error(client.post(f"/api/v1/commitments/{pk}/cancel/", {}, format="json"), 400)
    response = client.post(f"/api/v1/commitments/{pk}/cancel/", {"comment": "No"}, format="json")
    assert response.json()["status"] == "cancelled"


def test_commitment_for_another_donor_or_an_invisible_case_changes_nothing(
    api, users, make_case, orgs
):
    published, draft = make_case("published"), make_case("draft")
    client = api(users.donor)
    response = client.post(
        "/api/v1/commitments/",
        {
            "request": published.reference,
            "donor": orgs.other_donor.pk,
            "amount": "1",
            "currency": "USD",
        },
        format="json",
    )
    assert_error(response, 403)
    response = client.post(
        "/api/v1/commitments/",
        {"request": draft.reference, "donor": orgs.donor.pk, "amount": "1", "currency": "USD"},
        format="json",
    )
    assert "request" in assert_error(response, 404)["fields"]  # a case it may not see
    assert not Commitment.objects.exists()


def test_interest_express_and_withdraw(api, users, make_case, orgs):
    case = make_case("published")
    client = api(users.donor)
    response = client.post(
        "/api/v1/interests/", {"request": case.reference, "donor": orgs.donor.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    case.refresh_from_db()
    assert case.status == Status.DONOR_INTEREST
    pk = response.json()["id"]
    assert client.post(f"/api/v1/interests/{pk}/withdraw/").json()["status"] == "withdrawn"
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED
    assert_error(client.post(f"/api/v1/interests/{pk}/withdraw/"), 409)
    assert ExpressionOfInterest.objects.get(pk=pk).status == InterestStatus.WITHDRAWN


def test_offers(api, users, orgs):
    client = api(users.donor)
    response = client.post(
        "/api/v1/offers/",
        {
            "donor": orgs.donor.pk,
            "title": "Marking machines",
            "currency": "USD",
            "amount_min": "1000",
            "amount_max": "5000",
            "regions": ["africa"],
            "categories": ["marking"],
            "valid_from": str(datetime.date(2026, 1, 1)),
            "cooperation_type": "south_south",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["regions"] == ["africa"]
    assert response.json()["cooperation_type"] == "south_south"
    assert (
        client.patch(f"/api/v1/offers/{pk}/", {"is_active": False}, format="json").json()[
            "is_active"
        ]
        is False
    )
    assert_error(api(users.other_donor).get(f"/api/v1/offers/{pk}/"), 404)
    response = api(users.other_donor).post(
        "/api/v1/offers/",
        {
            "donor": orgs.donor.pk,
            "title": "Not mine",
            "currency": "USD",
            "cooperation_type": "north_south",
        },
        format="json",
    )
    assert_error(response, 403)
    assert Offer.objects.count() == 1


def test_organizations_are_a_read_only_directory(api, users, orgs):
    client = api(users.donor)
    names = {row["name"] for row in client.get("/api/v1/organizations/").json()["results"]}
    assert {"Sierra Leone", "Japan"} <= names
    donors = client.get("/api/v1/organizations/", {"is_donor": "true"}).json()["results"]
    assert all(row["is_donor"] for row in donors)
    response = client.post("/api/v1/organizations/", {"name": "x"}, format="json")
    assert response.status_code == 405
    assert "error" in response.json()
