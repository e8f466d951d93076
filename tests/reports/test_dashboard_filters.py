"""The dashboard's filters (issue 25, Must have 3): period, region, category, type of
cooperation and, for UNODA only, donor; each narrows every figure of the page to the cases it
keeps, a case with several categories is counted once, and a bad month says so and filters
nothing. UNODA's figures are read from the figures kept in SQL when they are built (``figures``)
and computed over the cases otherwise (``live``): both give the same counts."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases.models import AssistanceRequest, Category
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus
from apps.reports.rollup import dashboard_figures_build
from tests.conftest import build_case

pytestmark = pytest.mark.django_db
URL = "/reports/dashboard/"


def counted(response):
    """Cases per status on the page, leaving out the statuses with none."""
    return {row["status"]: row["n"] for row in response.context["data"]["pipeline"] if row["n"]}


@pytest.fixture(params=["live", "figures"])
def source(request):
    return request.param


def refresh(source):
    """The nightly build, when the test reads the figures kept in SQL."""
    if source == "figures":
        dashboard_figures_build()


@pytest.fixture
def cases(orgs, users, source):
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
    refresh(source)
    return funded, mali, first, second


def test_without_filters_every_case_counts(client, users, cases):
    client.force_login(users.unoda)
    assert counted(client.get(URL)) == {"implementation": 1, "submitted": 1}


def test_region_category_cooperation_and_donor_narrow_the_figures(
    client, users, orgs, cases, source
):
    _funded, _mali, first, second = cases
    orgs.other_recipient.region = "asia"
    orgs.other_recipient.save()
    refresh(source)
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


def test_the_period_is_the_months_the_requests_were_made_in(client, users, cases, source):
    funded, _mali, _first, _second = cases
    AssistanceRequest.objects.filter(pk=funded.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=400)
    )
    refresh(source)
    this_month = timezone.localdate().strftime("%Y-%m")
    last_year = (timezone.localdate() - timezone.timedelta(days=365)).strftime("%Y-%m")
    client.force_login(users.unoda)
    assert counted(client.get(URL, {"made_from": this_month})) == {"submitted": 1}
    assert counted(client.get(URL, {"made_until": last_year})) == {"implementation": 1}
    both = {"made_from": this_month, "made_until": this_month}
    assert counted(client.get(URL, both)) == {"submitted": 1}


def test_only_unoda_filters_by_donor(client, users, orgs, cases):
    client.force_login(users.recipient)
    response = client.get(URL, {"donor": orgs.other_donor.pk})
    assert "donor" not in response.context["filters"].form.fields
    assert counted(response) == {"implementation": 1, "submitted": 1}  # the filter is ignored
    client.force_login(users.unoda)
    assert "donor" in client.get(URL).context["filters"].form.fields


def test_a_bad_month_is_said_and_filters_nothing(client, users, cases):
    client.force_login(users.unoda)
    response = client.get(URL, {"made_from": "2026-13", "region": "asia"})
    assert response.status_code == 200
    assert "Some filters could not be used" in response.content.decode()
    assert counted(response) == {"implementation": 1, "submitted": 1}
