"""The type of cooperation in the reports (issue 21): money per type of cooperation of the case's
agreement on the dashboard, and the IATI file's collaboration-type code (with a tag naming
the type) that still validates against the IATI 2.03 schema."""

from decimal import Decimal

import pytest
from lxml import etree

from apps.followup import services as followup_services
from apps.followup.models import Agreement
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus, CooperationType
from apps.reports import selectors
from apps.reports.iati import build_activities
from apps.reports.rollup import dashboard_figures_build

from .test_iati import iati_schema  # noqa: F401  (the schema fixture)

pytestmark = pytest.mark.django_db


def _with_type(case, users, cooperation_type):
    """The case's agreement (recorded as North-South by the test walk) corrected to a type."""
    if cooperation_type != CooperationType.NORTH_SOUTH:
        followup_services.agreement_update(
            actor=users.unoda,
            agreement=case.agreement,
            kind="correction",
            reason="The type of cooperation was wrong.",
            cooperation_type=cooperation_type,
        )
    return case


def _fund(case, users, donor, amount, *, status=CommitmentStatus.COMMITTED, disbursed=None):
    actor = users.donor if donor.name == "Japan" else users.other_donor
    commitment = funding_services.commitment_create(
        actor=actor, case=case, donor=donor, amount=Decimal(amount), currency="USD", status=status
    )
    if disbursed:
        funding_services.disbursement_record(actor=actor, commitment=commitment, amount=disbursed)
    return commitment


@pytest.fixture
def typed_cases(make_case, users, orgs):
    """Five cases in US dollars: two North-South, one South-South, one whose agreement predates
    the type (not recorded), and one still published (no agreement: not counted)."""
    usd = {"budget_currency": "USD"}
    north_a = make_case("implementation", budget_amount=Decimal("100000"), **usd)
    north_b = make_case("agreement", budget_amount=Decimal("50000.50"), **usd)
    south = _with_type(
        make_case("implementation", budget_amount=Decimal("80000"), **usd),
        users,
        CooperationType.SOUTH_SOUTH,
    )
    legacy = make_case("agreement", budget_amount=Decimal("7000"), **usd)
    Agreement.objects.filter(request=legacy).update(cooperation_type="")
    published = make_case("published", budget_amount=Decimal("999999"), **usd)
    _fund(north_a, users, orgs.donor, "60000", disbursed="25000.25")
    _fund(north_b, users, orgs.donor, "20000")
    _fund(south, users, orgs.donor, "30000", status=CommitmentStatus.PLEDGED)  # not counted
    _fund(south, users, orgs.other_donor, "10000")
    _fund(legacy, users, orgs.donor, "1000")
    _fund(published, users, orgs.donor, "5", status=CommitmentStatus.PLEDGED)
    return {"north": (north_a, north_b), "south": south, "legacy": legacy}


def test_money_per_type_of_cooperation_against_a_hand_computation(typed_cases, users):
    cases = selectors.dashboard_cases(user=users.unoda)
    rows = selectors.money_by(cases=cases, dimension="cooperation")["rows"]
    # By hand: North-South requested 100,000 + 50,000.50, committed 60,000 + 20,000, disbursed
    # 25,000.25; South-South 80,000, 10,000 (the 30,000 pledge does not count), nothing paid;
    # the agreement from before the type: 7,000, 1,000; the published case has no agreement.
    assert [(r["key"], str(r["label"]), r["requested"], r["committed"], r["disbursed"])
            for r in rows] == [
        ("north_south", "North-South", Decimal("150000.50"), Decimal("80000.00"),
         Decimal("25000.25")),
        ("south_south", "South-South", Decimal("80000.00"), Decimal("10000.00"), Decimal("0.00")),
        ("", "not recorded", Decimal("7000.00"), Decimal("1000.00"), Decimal("0.00")),
    ]  # fmt: skip


def test_the_dashboard_shows_the_grouping_by_type_of_cooperation(client, typed_cases, users):
    client.force_login(users.unoda)
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "by type of cooperation of the agreement" in html
    section = html[html.index('id="money-cooperation"') :]
    section = section[: section.index("</section>")]
    assert "North-South" in section
    assert "150,000.50" in section
    assert "not recorded" in section
    blocks = {block["dimension"]: block for block in response.context["money"]}
    # The same rows from the figures kept in SQL.
    dashboard_figures_build()
    again = client.get("/reports/dashboard/").context["money"]
    assert again == response.context["money"]
    assert [row["key"] for row in blocks["cooperation"]["figures"]["rows"]] == [
        "north_south",
        "south_south",
        "",
    ]


# --- IATI ------------------------------------------------------------------------------------


def _activity(document, case):
    return next(
        a
        for a in document.findall("iati-activity")
        if a.findtext("iati-identifier").endswith(case.reference)
    )


@pytest.mark.parametrize(
    ("cooperation_type", "code", "tag_name"),
    [
        (CooperationType.NORTH_SOUTH, "1", "North-South"),
        (CooperationType.SOUTH_SOUTH, "1", "South-South"),
        (CooperationType.TRIANGULAR, "8", "Triangular"),
        (CooperationType.MULTILATERAL, "4", "Multilateral (through a UN entity or fund)"),
        (CooperationType.REGIONAL, None, "Regional"),
    ],
)
def test_the_iati_file_carries_the_collaboration_type_of_each_type(
    iati_schema,  # noqa: F811
    make_case,
    users,
    cooperation_type,
    code,
    tag_name,
):
    case = _with_type(make_case("implementation"), users, cooperation_type)
    document = etree.fromstring(build_activities(user=users.unoda))
    iati_schema.assertValid(document)
    activity = _activity(document, case)
    collaboration = activity.findall("collaboration-type")
    assert [element.get("code") for element in collaboration] == ([code] if code else [])
    tags = {
        (t.get("vocabulary"), t.get("code")): t.findtext("narrative")
        for t in activity.findall("tag")
    }
    assert tags[("99", f"cooperation-{cooperation_type}")] == tag_name


def test_an_agreement_without_a_recorded_type_has_neither_code_nor_tag(
    iati_schema,  # noqa: F811
    make_case,
    users,
):
    case = make_case("implementation")
    Agreement.objects.filter(request=case).update(cooperation_type="")
    document = etree.fromstring(build_activities(user=users.unoda))
    iati_schema.assertValid(document)
    activity = _activity(document, case)
    assert activity.find("collaboration-type") is None
    assert not [t for t in activity.findall("tag") if t.get("code").startswith("cooperation-")]


def test_the_iati_file_with_every_type_validates_against_the_schema(
    iati_schema,  # noqa: F811
    make_case,
    users,
    orgs,
):
    for cooperation_type in CooperationType.values:
        case = _with_type(make_case("implementation"), users, cooperation_type)
        _fund(case, users, orgs.donor, "100", disbursed="40")
    document = etree.fromstring(build_activities(user=users.unoda))
    iati_schema.assertValid(document)
    codes = sorted(e.get("code") for e in document.iter("collaboration-type"))
    assert codes == ["1", "1", "4", "8"]
