"""The dashboard's filters (issue 25, Must have 3): period, region, category, type of
cooperation and, for UNODA only, donor; each narrows every figure of the page to the cases it
keeps, a case with several categories is counted once, and a bad date says so and filters
nothing."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases.models import AssistanceRequest, Category
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus
from tests.conftest import build_case

pytestmark = pytest.mark.django_db
URL = "/reports/dashboard/"


def counted(response):
    """Cases per status on the page, leaving out the statuses with none."""
    return {row["status"]: row["n"] for row in response.context["pipeline"] if row["n"]}


@pytest.fixture
def cases(orgs, users):
    """Sierra Leone's case in implementation (agreed North-South, Japan committed) and Mali's
    submitted case; the first has two categories."""
    funded = build_case(orgs=orgs, users=users, status="implementation")
    funding_services.commitment_create(
        actor=users.donor, case=funded, donor=orgs.donor, amount=Decimal("2000"),
        currency="USD", status=CommitmentStatus.COMMITTED,
    )  # fmt: skip
    first, second = Category.objects.order_by("position")[:2]
    funded.categories.set([first, second])
    mali = build_case(orgs=orgs, users=users, status="submitted")
    AssistanceRequest.objects.filter(pk=mali.pk).update(
        requesting_organization=orgs.other_recipient
    )
    mali.categories.set([second])
    return funded, mali, first, second


def test_without_filters_every_case_counts(client, users, cases):
    client.force_login(users.unoda)
    assert counted(client.get(URL)) == {"implementation": 1, "submitted": 1}


def test_region_category_cooperation_and_donor_narrow_the_figures(client, users, orgs, cases):
    _funded, _mali, first, second = cases
    orgs.other_recipient.region = "asia"
    orgs.other_recipient.save()
    client.force_login(users.unoda)
    assert counted(client.get(URL, {"region": "asia"})) == {"submitted": 1}
    assert counted(client.get(URL, {"category": first.pk})) == {"implementation": 1}
    # Two categories, one case: counted once.
    assert counted(client.get(URL, {"category": second.pk})) == {
        "implementation": 1,
        "submitted": 1,
    }
    assert counted(client.get(URL, {"cooperation": "north_south"})) == {"implementation": 1}
    assert counted(client.get(URL, {"cooperation": "south_south"})) == {}
    assert counted(client.get(URL, {"donor": orgs.donor.pk})) == {"implementation": 1}
    assert counted(client.get(URL, {"donor": orgs.other_donor.pk})) == {}


def test_the_period_is_the_day_a_request_was_made(client, users, cases):
    funded, _mali, _first, _second = cases
    AssistanceRequest.objects.filter(pk=funded.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=400)
    )
    today = timezone.localdate()
    client.force_login(users.unoda)
    recent = {"made_from": (today - timezone.timedelta(days=30)).isoformat()}
    assert counted(client.get(URL, recent)) == {"submitted": 1}
    older = {"made_until": (today - timezone.timedelta(days=30)).isoformat()}
    assert counted(client.get(URL, older)) == {"implementation": 1}


def test_only_unoda_filters_by_donor(client, users, orgs, cases):
    client.force_login(users.recipient)
    response = client.get(URL, {"donor": orgs.other_donor.pk})
    assert "donor" not in response.context["filters"].form.fields
    assert counted(response) == {"implementation": 1, "submitted": 1}  # the filter is ignored
    client.force_login(users.unoda)
    assert "donor" in client.get(URL).context["filters"].form.fields


def test_a_bad_date_is_said_and_filters_nothing(client, users, cases):
    client.force_login(users.unoda)
    response = client.get(URL, {"made_from": "31/31/2026", "region": "asia"})
    assert response.status_code == 200
    assert "Some filters could not be used" in response.content.decode()
    assert counted(response) == {"implementation": 1, "submitted": 1}
