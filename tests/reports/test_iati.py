import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from lxml import etree

from apps.cases import services as case_services
from apps.followup import services as followup_services
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus, ExchangeRate
from apps.reports.iati import XML_LANG, budget_periods, build_activities, build_organisation, split

from . import iati_rules

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


def test_only_unoda_downloads_its_file_of_every_agreed_case(funded_cases, users, client):
    # An activity is the same in every file: a donor's or a State's own selection of UNODA's
    # activities would give one identifier two contents. They read the public file.
    for user in (users.donor, users.other_donor, users.recipient, users.outsider):
        assert not parse(build_activities(user=user)).findall("iati-activity")
        client.force_login(user)
        assert client.get(reverse("reports:export-iati")).status_code == 403
    client.force_login(users.unoda)
    response = client.get(reverse("reports:export-iati"))
    assert response.status_code == 200
    assert parse(response.getvalue()).findall("iati-activity")


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


# --- The published files (issue 26) ----------------------------------------------------------


def _activity_of(document, case):
    identifier = f"{settings.PORTAL_IATI_REPORTING_ORG_REF}-{case.reference}"
    return next(
        a for a in document.iter("iati-activity") if a.findtext("iati-identifier") == identifier
    )


def _narratives(element) -> dict[str, str]:
    return {n.get(XML_LANG): n.text for n in element.findall("narrative")}


def test_the_files_pass_the_schema_and_the_offline_rulesets(iati_world, iati_schema, users):
    for xml in (build_activities(), build_activities(user=users.unoda)):
        document = parse(xml)
        iati_schema.assertValid(document)
        assert iati_rules.failures(document) == []
        assert document.findall("iati-activity")
    # libxml2 cannot load the 2.03 organisation schema (it finds a content model of
    # iati-common.xsd not deterministic): the elements the schema requires, in its order.
    organisation = parse(build_organisation())
    assert organisation.get("version") == "2.03"
    (element,) = organisation.findall("iati-organisation")
    assert [child.tag for child in element] == [
        "organisation-identifier",
        "name",
        "reporting-org",
    ]
    assert element.find("reporting-org").get("ref") == settings.PORTAL_IATI_REPORTING_ORG_REF
    assert element.get("last-updated-datetime")
    assert iati_rules.failures(organisation) == []


@pytest.mark.parametrize("language", ["en", "ar", "es", "fr"])
def test_narratives_are_per_language_whatever_the_readers_language(iati_world, users, language):
    with translation.override(language):
        xml = build_activities(user=users.unoda)
    with translation.override("zh-hans"):
        assert build_activities(user=users.unoda) == xml  # the reader's language plays no part
    activity = _activity_of(parse(xml), iati_world.public)
    assert activity.get(XML_LANG) == "es"  # the language the request was written in
    assert _narratives(activity.find("title")) == {
        "es": "Asegurar el arsenal central",
        "fr": "Sécuriser l'arsenal central",
    }
    assert set(_narratives(activity.find("description"))) == {"es", "fr"}
    state = activity.find("participating-org[@role='2']")
    assert _narratives(state)["en"] == "Sierra Leone"
    assert _narratives(state)["fr"] == "Sierra Leone"
    english = _activity_of(parse(xml), iati_world.private)
    assert english.get(XML_LANG) == "en"
    assert _narratives(english.find("title")) == {"en": "Mark the police's weapons"}


def test_organisations_carry_their_identifiers_and_the_partner_receives(iati_world, users):
    activity = _activity_of(parse(build_activities(user=users.unoda)), iati_world.public)
    reporting = activity.find("reporting-org")
    assert reporting.get("ref") == settings.PORTAL_IATI_REPORTING_ORG_REF
    assert reporting.get("secondary-reporter") == "1"  # UNODA reports the donors' flows
    roles = {(p.get("role"), p.get("ref")) for p in activity.findall("participating-org")}
    # Japan by its identifier; Sierra Leone has none: named, no made-up ref; UNDP implements.
    assert roles == {("1", "XM-DAC-701"), ("2", None), ("4", "XM-DAC-41114")}
    assert _narratives(activity.find("participating-org[@role='2']"))["en"] == "Sierra Leone"
    transactions = [
        (
            t.find("transaction-type").get("code"),
            t.findtext("value"),
            t.find("provider-org").get("ref") if t.find("provider-org") is not None else None,
            t.find("receiver-org").get("ref"),
        )
        for t in activity.findall("transaction")
    ]
    assert transactions == [
        ("2", "50000.00", "XM-DAC-701", "XM-DAC-41114"),
        ("3", "20000.00", "XM-DAC-701", "XM-DAC-41114"),
        ("2", "10000.00", None, "XM-DAC-41114"),  # Norway did not disclose: not named
    ]
    assert "Norway" not in etree.tostring(activity, encoding="unicode")


def test_unoda_reports_as_a_primary_reporter_where_it_takes_part(iati_world, users):
    with override_settings(PORTAL_IATI_REPORTING_ORG_REF="XM-DAC-41114"):  # as if UNODA were UNDP
        activity = _activity_of(parse(build_activities(user=users.unoda)), iati_world.public)
        assert activity.find("reporting-org").get("secondary-reporter") == "0"
        assert activity.findtext("iati-identifier") == f"XM-DAC-41114-{iati_world.public.reference}"


def test_budgets_and_planned_disbursements_by_year_within_the_agreement(iati_world, users):
    activity = _activity_of(parse(build_activities(user=users.unoda)), iati_world.public)
    budgets = [
        (b.find("period-start").get("iso-date"), b.find("period-end").get("iso-date"))
        for b in activity.findall("budget")
    ]
    assert budgets == [("2026-02-01", "2026-12-31"), ("2027-01-01", "2027-01-31")]
    total = sum(Decimal(b.findtext("value")) for b in activity.findall("budget"))
    assert total == iati_world.public.agreement.amount
    planned = activity.findall("planned-disbursement")
    assert sum(Decimal(p.findtext("value")) for p in planned) == Decimal("60000.00")
    assert {p.find("receiver-org").get("ref") for p in planned} == {"XM-DAC-41114"}


def test_budget_periods_and_shares():
    periods = budget_periods(datetime.date(2026, 2, 1), datetime.date(2028, 1, 31))
    assert periods == [
        (datetime.date(2026, 2, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)),
        (datetime.date(2028, 1, 1), datetime.date(2028, 1, 31)),
    ]
    shares = split(Decimal("100.00"), periods)
    assert sum(shares) == Decimal("100.00")
    assert shares == [Decimal("45.75"), Decimal("50.00"), Decimal("4.25")]  # 334, 365, 31 days


def test_the_public_document_is_linked(iati_world, users):
    activity = _activity_of(parse(build_activities(user=users.unoda)), iati_world.public)
    link = activity.find("document-link")
    assert link.get("url") == "https://smallarms.un-arm.org/national-reports/SL-2024.pdf"
    assert link.get("format") == "application/pdf"
    assert _narratives(link.find("title")) == {"es": "Informe nacional 2024"}
    assert (
        _activity_of(parse(build_activities(user=users.unoda)), iati_world.private).find(
            "document-link"
        )
        is None
    )


def test_the_public_files_need_no_sign_in_and_hold_only_public_cases(iati_world, client, users):
    response = client.get("/iati/activities.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    public = parse(b"".join(response.streaming_content))
    assert [a.findtext("iati-identifier") for a in public.iter("iati-activity")] == [
        f"{settings.PORTAL_IATI_REPORTING_ORG_REF}-{iati_world.public.reference}"
    ]
    # One identifier, one content: the public activity is UNODA's, byte for byte.
    unoda = parse(build_activities(user=users.unoda))
    assert etree.tostring(_activity_of(public, iati_world.public)) == etree.tostring(
        _activity_of(unoda, iati_world.public)
    )
    organisation = client.get("/iati/organisation.xml")
    assert organisation.status_code == 200
    assert (
        parse(organisation.content).findtext("iati-organisation/organisation-identifier")
        == settings.PORTAL_IATI_REPORTING_ORG_REF
    )


def test_the_sector_vocabulary_points_to_the_list_of_categories(iati_world, client, users):
    activity = _activity_of(parse(build_activities(user=users.unoda)), iati_world.public)
    sectors = activity.findall("sector[@vocabulary='99']")
    assert len(sectors) == 2
    uri = sectors[0].get("vocabulary-uri")
    path, anchor = uri.removeprefix(settings.PORTAL_SITE_URL.rstrip("/")).split("#")
    page = client.get(path).content.decode()
    assert f'id="{anchor}"' in page
    for sector in sectors:
        assert f"<code>{sector.get('code')}</code>" in page


# --- Results (issue 29) ----------------------------------------------------------------------


@pytest.fixture
def results_world(iati_world, users, orgs):
    """The public case with a results framework: an outcome measured in per cent, an output
    counting people (of whom women) and one to bring down, and an output indicator nothing has
    been reported on yet, with values over two progress reports; a result without indicators."""
    from apps.cases.models import Indicator, Result, ResultLevel
    from apps.followup.models import IndicatorActual

    case = iati_world.public
    outcome = Result.objects.create(
        request=case, level=ResultLevel.OUTCOME, statement="Arsenales seguros"
    )
    output = Result.objects.create(
        request=case, level=ResultLevel.OUTPUT, outcome=outcome, statement="Personal formado"
    )
    Result.objects.create(request=case, level=ResultLevel.OUTPUT, statement="Sin indicador")
    start, end = datetime.date(2026, 2, 1), datetime.date(2027, 1, 31)
    sites = Indicator.objects.create(
        result=outcome,
        name="Sitios conformes",
        measure=2,
        baseline_value=Decimal("12.50"),
        baseline_date=start,
        target_value=Decimal(90),
        target_date=end,
    )
    trained = Indicator.objects.create(
        result=output,
        name="Personas formadas",
        unit="personas",
        by_sex=True,
        baseline_value=Decimal(0),
        baseline_date=start,
        target_value=Decimal(120),
        target_date=end,
    )
    losses = Indicator.objects.create(
        result=output,
        name="Armas perdidas",
        ascending=False,
        baseline_value=Decimal(30),
        target_value=Decimal(5),
    )
    Indicator.objects.create(result=output, name="Depósitos renovados", target_value=Decimal(8))
    reports = [
        followup_services.progress_report_submit(
            actor=users.recipient,
            agreement=case.agreement,
            organization=orgs.recipient,
            period_start=period_start,
            period_end=period_end,
            status="on_track",
            percent_done=30,
            narrative="Avances.",
        )
        for period_start, period_end in (
            (datetime.date(2026, 2, 1), datetime.date(2026, 3, 31)),
            (datetime.date(2026, 4, 1), datetime.date(2026, 5, 31)),
        )
    ]
    IndicatorActual.objects.create(report=reports[0], indicator=sites, value=Decimal(20))
    IndicatorActual.objects.create(report=reports[1], indicator=sites, value=Decimal("35.5"))
    IndicatorActual.objects.create(
        report=reports[1], indicator=trained, value=Decimal(48), women=Decimal(18)
    )
    IndicatorActual.objects.create(report=reports[0], indicator=losses, value=Decimal(22))
    return iati_world


def test_results_validate_and_carry_indicators_baselines_targets_and_actuals(
    results_world, iati_schema, users
):
    for xml in (build_activities(), build_activities(user=users.unoda)):
        document = parse(xml)
        iati_schema.assertValid(document)
        assert iati_rules.failures(document) == []
    activity = _activity_of(parse(build_activities()), results_world.public)
    results = activity.findall("result")
    # The output without an indicator is left out (IATI asks for at least one); outcome first.
    assert [(r.get("type"), _narratives(r.find("title"))) for r in results] == [
        ("2", {"es": "Arsenales seguros"}),
        ("1", {"es": "Personal formado"}),
    ]
    assert [child.tag for child in activity][-2:] == ["result", "result"]

    (sites,) = results[0].findall("indicator")
    assert (sites.get("measure"), sites.get("ascending")) == ("2", "1")
    assert _narratives(sites.find("title")) == {"es": "Sitios conformes"}
    baseline = sites.find("baseline")
    assert (baseline.get("year"), baseline.get("iso-date"), baseline.get("value")) == (
        "2026",
        "2026-02-01",
        "12.5",
    )
    (period,) = sites.findall("period")
    assert period.find("period-start").get("iso-date") == "2026-02-01"
    assert period.find("period-end").get("iso-date") == "2027-01-31"
    assert period.find("target").get("value") == "90"
    (actual,) = period.findall("actual")
    assert actual.get("value") == "35.5"  # the latest of the two reports, not the first
    assert _narratives(actual.find("comment")) == {"en": "Value reached by 2026-05-31."}

    trained, losses, depots = results[1].findall("indicator")
    assert _narratives(trained.find("title")) == {"es": "Personas formadas (personas)"}
    assert [
        (a.get("value"), [(d.get("name"), d.get("value")) for d in a.findall("dimension")])
        for a in trained.find("period").findall("actual")
    ] == [("48", []), ("18", [("sex", "female")])]
    # No dates of its own: the year the agreement starts, and the agreement's period.
    assert losses.get("ascending") == "0"
    assert (losses.find("baseline").get("year"), losses.find("baseline").get("iso-date")) == (
        "2026",
        None,
    )
    period = losses.find("period")
    assert (
        period.find("period-start").get("iso-date"),
        period.find("period-end").get("iso-date"),
        period.find("target").get("value"),
        period.find("actual").get("value"),
    ) == ("2026-02-01", "2027-01-31", "5", "22")
    # Nothing reported and no baseline: the target alone.
    assert depots.find("baseline") is None
    assert depots.find("period/actual") is None
    assert depots.find("period/target").get("value") == "8"


def test_results_read_in_two_queries_per_hundred_activities(results_world, make_case, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _number in range(3):
        make_case("implementation")
    with CaptureQueriesContext(connection) as captured:
        document = parse(build_activities(user=users.unoda))
    assert len(document.findall("iati-activity")) == 5
    reads = [q["sql"] for q in captured if "indicator" in q["sql"].lower()]
    assert len(reads) == 2  # the indicators and their actuals, for the whole batch
