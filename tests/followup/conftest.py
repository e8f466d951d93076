import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases import services as case_services
from apps.followup import services
from apps.funding.services import interest_express
from apps.organizations.models import OrganizationKind, Region

from ..factories import make_member, make_organization

TODAY = datetime.date(2026, 9, 1)


@pytest.fixture
def partner(db):
    return make_organization(
        "UN Regional Centre for Peace and Disarmament in Africa",
        kind=OrganizationKind.UN_ENTITY,
        country="",
        region=Region.AFRICA,
    )


@pytest.fixture
def partner_user(partner):
    return make_member(partner, username="partner")


def agreement_data(**overrides):
    return {
        # Signed the day the test's case was made: never in the future nor before the request.
        "signed_on": timezone.localdate(),
        "amount": Decimal("250000.00"),
        "currency": "EUR",
        "start_date": datetime.date(2026, 2, 1),
        "end_date": datetime.date(2027, 1, 31),
        "cooperation_type": "triangular",
        **overrides,
    }


@pytest.fixture
def interest_case(make_case, users, orgs):
    """A published case that a donor has shown interest in."""
    case = make_case("published")
    interest_express(actor=users.donor, case=case, donor=orgs.donor, message="Interested")
    return case


@pytest.fixture
def cofunded_case(interest_case, orgs, users, partner):
    """Two co-funding donors and an implementing partner; the case is in "agreement"."""
    services.agreement_record(
        actor=users.unoda,
        case=interest_case,
        donors=[orgs.donor, orgs.other_donor],
        implementing_partner=partner,
        **agreement_data(),
    )
    interest_case.refresh_from_db()
    return interest_case


@pytest.fixture
def feedback_case(cofunded_case, users):
    """The co-funded case, implemented and waiting for the three parties' feedback."""
    for name in ("start_implementation", "complete"):
        case_services.request_transition(actor=users.unoda, case=cofunded_case, transition=name)
    cofunded_case.refresh_from_db()
    return cofunded_case
