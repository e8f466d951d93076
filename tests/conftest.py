from types import SimpleNamespace

import pytest

from apps.cases import services
from apps.cases.models import AssistanceRequest, Visibility
from apps.cases.workflow import path_to
from apps.funding.services import interest_express
from apps.organizations.models import Region

from .factories import UserFactory, make_member, make_organization

COMMENT = "Because the test says so."


@pytest.fixture
def orgs(db):
    return SimpleNamespace(
        recipient=make_organization("Sierra Leone", recipient=True, country="SL"),
        other_recipient=make_organization("Mali", recipient=True, country="ML"),
        donor=make_organization("Japan", donor=True, country="JP", region=Region.ASIA),
        other_donor=make_organization("Norway", donor=True, country="NO", region=Region.EUROPE),
    )


@pytest.fixture
def users(orgs):
    return SimpleNamespace(
        recipient=make_member(orgs.recipient, username="recipient"),
        other_recipient=make_member(orgs.other_recipient, username="other_recipient"),
        donor=make_member(orgs.donor, username="donor"),
        other_donor=make_member(orgs.other_donor, username="other_donor"),
        unoda=UserFactory(username="unoda", is_unoda_officer=True),
        outsider=UserFactory(username="outsider"),
    )


def build_case(*, orgs, users, status="draft", visibility=Visibility.ALL_DONORS, **fields):
    """A case of ``orgs.recipient`` walked to ``status`` through the service layer."""
    selected = fields.pop("selected_donors", [orgs.donor])
    case = services.request_create(
        actor=users.recipient,
        organization=orgs.recipient,
        title=fields.pop("title", "Secure the central armoury"),
        visibility=visibility,
        selected_donors=selected,
        **fields,
    )
    for name in path_to(status):
        if name == "register_interest":
            # Donor interest is recorded as such; the service fires the transition.
            interest_express(actor=users.donor, case=case, donor=orgs.donor, message=COMMENT)
            continue
        services.request_transition(actor=users.unoda, case=case, transition=name, comment=COMMENT)
    return AssistanceRequest.objects.get(pk=case.pk)


@pytest.fixture
def make_case(orgs, users):
    def make(status="draft", **fields):
        return build_case(orgs=orgs, users=users, status=status, **fields)

    return make
