from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from lxml import etree

from apps.cases import services as case_services
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus, ExchangeRate
from apps.reports.iati import build_activities

pytestmark = pytest.mark.django_db

# The IATI 2.03 schema files are not copied into the project (their README asks not to): CI and
# the development machines have them in ../shared/iati beside the project; elsewhere
# scripts/install.sh --all-groups installs the files that the pyIATI package ships (without its
# code's 2018 dependencies).
SCHEMA_DIRS = [
    Path(settings.BASE_DIR).parent / "shared" / "iati",
    Path(settings.BASE_DIR)
    / ".cache"
    / "pyiati"
    / "iati"
    / "resources"
    / "standard"
    / "2-03"
    / "schemas",
]


@pytest.fixture(scope="module")
def iati_schema():
    for directory in SCHEMA_DIRS:
        path = directory / "iati-activities-schema.xsd"
        if path.exists():
            return etree.XMLSchema(etree.parse(str(path)))
    raise AssertionError(
        f"IATI 2.03 schema not found in {SCHEMA_DIRS}: run scripts/install.sh --all-groups"
    )


@pytest.fixture
def funded_cases(make_case, users, orgs):
    implementing = make_case("implementation", summary="Fit doors to the armoury.")
    ExchangeRate.objects.create(  # the rate of this month: amounts are converted at their date
        currency="JPY", rate_per_usd=Decimal("150"), valid_on=timezone.localdate().replace(day=1)
    )
    commitment = funding_services.commitment_create(
        actor=users.donor,
        case=implementing,
        donor=orgs.donor,
        amount=Decimal("1000.00"),
        currency="JPY",
        status=CommitmentStatus.COMMITTED,
    )
    funding_services.disbursement_record(actor=users.donor, commitment=commitment, amount="400")
    return {
        "implementing": implementing,
        "closed": make_case("closed"),
        "agreement": make_case("agreement"),
        "published": make_case("published"),
        "draft": make_case("draft"),
    }


def parse(xml: bytes):
    return etree.fromstring(xml)


def test_the_file_validates_against_the_iati_schema(iati_schema, funded_cases, users):
    case_services.case_link_add(
        actor=users.unoda,
        case=funded_cases["closed"],
        other_reference=funded_cases["implementing"].reference,
        kind="builds_on",
    )
    xml = build_activities(user=users.unoda)
    document = parse(xml)
    iati_schema.assertValid(document)


def test_activities_statuses_roles_sectors_and_transactions(funded_cases, users, orgs):
    document = parse(build_activities(user=users.unoda))
    identifiers = [a.findtext("iati-identifier") for a in document.findall("iati-activity")]
    assert len(identifiers) == 3  # agreement, implementation, closed; not published nor draft
    implementing = next(
        a
        for a in document.findall("iati-activity")
        if a.findtext("iati-identifier").endswith(funded_cases["implementing"].reference)
    )
    assert implementing.find("activity-status").get("code") == "2"
    roles = {
        (p.get("role"), p.findtext("narrative")) for p in implementing.findall("participating-org")
    }
    assert {("1", "Japan"), ("2", "Sierra Leone"), ("4", "Sierra Leone")} <= roles
    sectors = {(s.get("vocabulary"), s.get("code")) for s in implementing.findall("sector")}
    assert ("1", "15240") in sectors
    tags = {(t.get("vocabulary"), t.get("code")) for t in implementing.findall("tag")}
    assert ("3", "16.4") in tags
    transactions = [
        (t.find("transaction-type").get("code"), t.findtext("value"))
        for t in implementing.findall("transaction")
    ]
    assert transactions == [("2", "1000.00"), ("3", "400.00")]
    closed = next(
        a
        for a in document.findall("iati-activity")
        if a.findtext("iati-identifier").endswith(funded_cases["closed"].reference)
    )
    assert closed.find("activity-status").get("code") == "4"


def test_a_donor_exports_only_what_it_sees(funded_cases, users, make_case, orgs):
    make_case("implementation", title="Hidden")  # also visible to the donor (all donors)
    document = parse(build_activities(user=users.other_donor))
    # The other donor sees the cases (all donors) but not Japan's commitment.
    assert not document.findall(".//transaction")
    assert not parse(build_activities(user=users.outsider)).findall("iati-activity")
    codes = {a.find("activity-status").get("code") for a in document.findall("iati-activity")}
    assert codes <= {"1", "2", "3", "4"}


def test_linked_cases_are_sibling_activities_only_between_exported_cases(funded_cases, users):
    closed, implementing = funded_cases["closed"], funded_cases["implementing"]
    for other in (implementing, funded_cases["published"]):  # the published one is not exported
        case_services.case_link_add(
            actor=users.unoda, case=closed, other_reference=other.reference, kind="complements"
        )
    document = parse(build_activities(user=users.unoda))
    prefix = settings.PORTAL_IATI_REPORTING_ORG_REF
    related = {
        a.findtext("iati-identifier"): [
            (r.get("ref"), r.get("type")) for r in a.findall("related-activity")
        ]
        for a in document.findall("iati-activity")
    }
    assert related[f"{prefix}-{closed.reference}"] == [(f"{prefix}-{implementing.reference}", "3")]
    assert related[f"{prefix}-{implementing.reference}"] == [(f"{prefix}-{closed.reference}", "3")]
    assert related[f"{prefix}-{funded_cases['agreement'].reference}"] == []
