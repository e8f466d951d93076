import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from apps.cases import services as case_services
from apps.cases.models import AssistanceRequest, Category, Status, Visibility
from apps.cases.workflow import path_to
from apps.followup import services as followup_services
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus
from apps.organizations.models import OrganizationKind, Region
from apps.organizations.services import organization_save
from tests.conftest import agreement_terms, fire_step
from tests.factories import make_organization

# Inside the agreement of tests.conftest.AGREEMENT (February 2026 to January 2027): the
# transactions recorded "today" fall within the activity's period, whenever the tests run.
IATI_TODAY = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def iati_world(time_machine, make_case, users, orgs):
    """A public case written in Spanish and translated into French, implemented by UNDP (which
    receives the money), funded by Japan (disclosed) and Norway (undisclosed), with two
    categories and a national report; and a case that is agreed but not public."""
    time_machine.move_to(IATI_TODAY, tick=False)
    orgs.donor.iati_identifier = "XM-DAC-701"
    organization_save(organization=orgs.donor)
    undp = make_organization(
        "United Nations Development Programme",
        kind=OrganizationKind.UN_ENTITY,
        country="",
        region=Region.GLOBAL,
    )
    undp.iati_identifier = "XM-DAC-41114"
    organization_save(organization=undp)

    public = make_case(
        "donor_interest",
        title="Asegurar el arsenal central",
        summary="Puertas y registros para el arsenal de la policía.",
        original_language="es",
        visibility=Visibility.PUBLIC_SUMMARY,
        categories=list(Category.objects.order_by("position")[:2]),
        national_report_url="https://smallarms.un-arm.org/national-reports/SL-2024.pdf",
        national_document_title="Informe nacional 2024",
    )
    case_services.request_translate(
        actor=users.unoda,
        case=public,
        language="fr",
        title="Sécuriser l'arsenal central",
        summary="Portes et registres pour l'arsenal de la police.",
    )
    followup_services.agreement_record(
        actor=users.unoda,
        case=public,
        donors=[orgs.donor],
        implementing_partner=undp,
        **agreement_terms(),
    )
    for name in path_to(Status.IMPLEMENTATION)[len(path_to(Status.AGREEMENT)) :]:
        fire_step(orgs=orgs, users=users, case=public, transition=name)
    firm = {"case": public, "currency": "USD", "status": CommitmentStatus.COMMITTED}
    japan = funding_services.commitment_create(
        actor=users.donor, donor=orgs.donor, amount=Decimal("50000.00"), **firm
    )
    funding_services.disbursement_record(actor=users.donor, commitment=japan, amount="20000")
    funding_services.commitment_create(
        actor=users.other_donor,
        donor=orgs.other_donor,
        amount=Decimal("10000.00"),
        disclosed=False,
        **firm,
    )
    private = make_case("implementation", title="Mark the police's weapons")
    return SimpleNamespace(
        public=AssistanceRequest.objects.get(pk=public.pk),
        private=private,
        undp=undp,
    )
