"""Feedback anchored on results (issue 29): the feedback form shows each party, before it
rates, what the case achieved against the targets of its results framework (case_standings)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html

from apps.cases import services as case_services
from apps.cases.models import Indicator, Result, ResultLevel
from apps.followup import services
from apps.followup.models import IndicatorActual
from tests.conftest import agreement_terms

pytestmark = pytest.mark.django_db

NONE = "\N{EN DASH}"  # nothing to show
TODAY = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC)
BASELINE, TARGET = datetime.date(2026, 2, 1), datetime.date(2027, 1, 31)


def _indicator(result, name, baseline, target, **fields):
    return Indicator.objects.create(
        result=result,
        name=name,
        baseline_value=Decimal(baseline),
        baseline_date=BASELINE,
        target_value=Decimal(target),
        target_date=TARGET,
        **fields,
    )


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def achieved_case(frozen, interest_case, orgs, users, partner):
    """A case waiting for feedback whose framework has an indicator of each standing."""
    services.agreement_record(
        actor=users.unoda,
        case=interest_case,
        donors=[orgs.donor, orgs.other_donor],
        implementing_partner=partner,
        **agreement_terms(),
    )
    case = interest_case
    case_services.request_transition(
        actor=users.unoda, case=case, transition="start_implementation"
    )
    outcome = Result.objects.create(
        request=case, level=ResultLevel.OUTCOME, statement="Weapons are stored safely"
    )
    output = Result.objects.create(
        request=case, level=ResultLevel.OUTPUT, outcome=outcome, statement="Weapons are marked"
    )
    sites = _indicator(outcome, "Sites meeting the standard", 10, 50, measure=2)
    marked = _indicator(output, "Weapons marked", 0, 1000, unit="weapons")
    _indicator(output, "Marking machines in service", 0, 4, unit="machines")
    trained = _indicator(output, "People trained", 0, 100, unit="people", by_sex=True)
    case.refresh_from_db()
    report = services.progress_report_submit(
        actor=users.recipient,
        agreement=case.agreement,
        organization=orgs.recipient,
        period_start=BASELINE,
        period_end=datetime.date(2026, 7, 31),
        status="on_track",
        percent_done=50,
        narrative="Half way.",
    )
    IndicatorActual.objects.create(report=report, indicator=sites, value=Decimal("55.5"))
    IndicatorActual.objects.create(report=report, indicator=marked, value=Decimal(100))
    IndicatorActual.objects.create(
        report=report, indicator=trained, value=Decimal(60), women=Decimal(20)
    )
    case_services.request_transition(actor=users.unoda, case=case, transition="complete")
    case.refresh_from_db()
    return case


def _rows(page: str) -> dict[str, list[str]]:
    (table,) = html.fromstring(page).xpath("//table[@class='achievement']")
    return {
        " ".join(row.xpath("th")[0].text_content().split()): [
            " ".join(cell.text_content().split()) for cell in row.xpath("td")
        ]
        for row in table.xpath("tbody/tr")
        if row.get("class") != "result"
    }


@pytest.mark.parametrize("party", ["recipient", "donor"])
def test_each_party_sees_the_achievement_above_the_ratings(achieved_case, client, users, party):
    client.force_login(getattr(users, party))
    response = client.get(f"/followup/{achieved_case.reference}/feedback/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index('class="achievement"') < page.index('name="overall"')
    rows = _rows(page)
    # Percentage: 10% -> 50% by the end of January 2027; 55.5% reached: met, share capped.
    assert rows["Sites meeting the standard"] == [
        "10% Feb. 1, 2026",
        "50% by Jan. 31, 2027",
        "55.5% on July 31, 2026",
        "100%",
        "Target met",
    ]
    # 0 -> 1,000: by 31 July the line expects about 495; 100 is behind.
    assert rows["Weapons marked (weapons)"][2:] == [
        "100 on July 31, 2026",
        "10%",
        "Behind schedule",
    ]
    assert rows["Marking machines in service (machines)"][2:] == [NONE, NONE, "Not reported"]
    assert rows["People trained (people)"][2:] == [
        "60 on July 31, 2026 of whom women: 20",
        "60%",
        "On schedule",
    ]
    (table,) = html.fromstring(page).xpath("//table[@class='achievement']")
    assert [row.text_content() for row in table.xpath("tbody/tr[@class='result']")] == [
        "Outcome: Weapons are stored safely",
        "Output: Weapons are marked",
    ]


def test_unoda_reads_feedback_without_the_form_nor_the_table(achieved_case, client, users):
    client.force_login(users.unoda)
    page = client.get(f"/followup/{achieved_case.reference}/feedback/").content.decode()
    assert 'class="achievement"' not in page


def test_no_framework_no_table(feedback_case, client, users):
    client.force_login(users.recipient)
    page = client.get(f"/followup/{feedback_case.reference}/feedback/").content.decode()
    assert 'name="overall"' in page
    assert 'class="achievement"' not in page


def test_the_form_page_queries_do_not_grow_with_the_indicators(achieved_case, client, users):
    client.force_login(users.donor)
    url = f"/followup/{achieved_case.reference}/feedback/"
    client.get(url)  # warm the per-process caches (settings, translations)
    with CaptureQueriesContext(connection) as four:
        assert client.get(url).status_code == 200
    report = achieved_case.agreement.reports.get()
    extra = Result.objects.create(
        request=achieved_case, level=ResultLevel.OUTPUT, statement="Records are kept"
    )
    for number in range(6):
        indicator = _indicator(extra, f"Registers {number}", 0, 10)
        IndicatorActual.objects.create(report=report, indicator=indicator, value=Decimal(number))
    with CaptureQueriesContext(connection) as ten:
        page = client.get(url).content.decode()
    assert len(_rows(page)) == 10
    assert len(ten) == len(four)
    # The page's own reads (session, user, case, access, feedback, waivers, lessons...) and
    # case_standings' two, whatever the number of indicators.
    assert len(four) == 17
