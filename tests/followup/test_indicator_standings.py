"""The one read of how a case's indicators stand (apps/followup/selectors.py), over the rule in
apps/cases/results.py."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cases import services as case_services
from apps.cases.models import Indicator, Result, ResultLevel
from apps.followup import services
from apps.followup.models import IndicatorActual
from apps.followup.selectors import case_standings, indicator_standings

pytestmark = pytest.mark.django_db


def framework(case):
    outcome = Result.objects.create(request=case, level=ResultLevel.OUTCOME, statement="Safer")
    output = Result.objects.create(
        request=case, level=ResultLevel.OUTPUT, outcome=outcome, statement="Marked", position=0
    )
    marked = Indicator.objects.create(
        result=output,
        name="Weapons marked",
        unit="weapons",
        baseline_value=Decimal(0),
        baseline_date=datetime.date(2026, 1, 1),
        target_value=Decimal(1000),
        target_date=datetime.date(2027, 1, 1),
    )
    sites = Indicator.objects.create(
        result=outcome,
        name="Sites meeting the standard",
        measure=2,
        baseline_value=Decimal(10),
        baseline_date=datetime.date(2026, 1, 1),
        target_value=Decimal(50),
        target_date=datetime.date(2027, 1, 1),
    )
    return sites, marked


def report(agreement, users, start, end):
    return services.progress_report_submit(
        actor=users.recipient,
        agreement=agreement,
        period_start=start,
        period_end=end,
        status="on_track",
        percent_done=50,
        narrative="Done what we could.",
    )


def test_outcomes_come_first_and_points_are_the_reports_period_ends(
    cofunded_case, users, django_assert_num_queries
):
    case_services.request_transition(
        actor=users.unoda, case=cofunded_case, transition="start_implementation"
    )
    sites, marked = framework(cofunded_case)
    agreement = cofunded_case.agreement
    first = report(agreement, users, datetime.date(2026, 2, 1), datetime.date(2026, 4, 30))
    second = report(agreement, users, datetime.date(2026, 5, 1), datetime.date(2026, 7, 31))
    IndicatorActual.objects.create(report=second, indicator=marked, value=Decimal(100))
    IndicatorActual.objects.create(report=first, indicator=marked, value=Decimal(40))

    with django_assert_num_queries(2):
        standings = case_standings(cofunded_case, today=datetime.date(2026, 8, 1))

    assert [s.indicator for s in standings] == [sites, marked]
    assert standings[0].latest is None
    assert standings[0].met is None
    assert [p.value for p in standings[1].points] == [Decimal(40), Decimal(100)]
    assert standings[1].latest.date == datetime.date(2026, 7, 31)
    # By 31 July the line from 0 to 1,000 over 2026 expects about 578; 100 is behind.
    assert standings[1].behind is True
    assert standings[1].met is False


def test_many_cases_in_two_queries_and_a_case_without_framework_is_absent(
    cofunded_case, make_case, django_assert_num_queries
):
    framework(cofunded_case)
    other = make_case("draft")
    with django_assert_num_queries(2):
        standings = indicator_standings([cofunded_case.pk, other.pk], today=timezone.localdate())
    assert set(standings) == {cofunded_case.pk}
    assert case_standings(other) == []
