"""The share of targets met on the effectiveness page (issue 29): over the cases with an
agreement, of the indicators with a target and a value reported, those whose latest value meets
the target; overall and by region, category, type of cooperation and donor. Checked against a
hand count of a few cases with known actuals."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases.models import Category, Indicator, Result, ResultLevel
from apps.followup import selectors, services
from apps.followup.models import Agreement, IndicatorActual
from apps.organizations.models import Region

from ..conftest import build_case
from ..factories import make_member, make_organization

pytestmark = pytest.mark.django_db


def _indicator(result, name, *, target, baseline=0, ascending=True):
    return Indicator.objects.create(
        result=result,
        name=name,
        baseline_value=Decimal(baseline),
        baseline_date=datetime.date(2026, 2, 1),
        target_value=None if target is None else Decimal(target),
        target_date=datetime.date(2027, 1, 31),
        ascending=ascending,
    )


def _report(case, user, start, end):
    return services.progress_report_submit(
        actor=user,
        agreement=case.agreement,
        period_start=start,
        period_end=end,
        status="on_track",
        percent_done=50,
        narrative="As planned.",
    )


def _actual(report, indicator, value):
    IndicatorActual.objects.create(report=report, indicator=indicator, value=Decimal(value))


@pytest.fixture
def measured(make_case, orgs, users):
    """Three cases with frameworks:

    A (Sierra Leone, Africa; first category; North-South; Japan):
      a1 target 100, reached 120: met;  a2 target 50, reached 20: not met;
      a3 target 10, nothing reported: not counted;  a4 no target, 5 reported: not counted.
    B (Guatemala, Americas; second category; South-South; Japan and Norway):
      b1 target 10, reached 10: met;  b2 to bring down from 40 to 5, at 4: met;
      b3 target 1,000, reached 1,000 then 900 (the latest counts): not met.
    C (Sierra Leone, first category; agreement but nothing reported): not counted.
    And a draft case with a framework but no agreement: not counted.
    """
    first, second = Category.objects.order_by("position", "pk")[:2]
    a = make_case("implementation", categories=[first])
    guatemala = make_organization("Guatemala", recipient=True, country="GT", region=Region.AMERICAS)
    chapin = make_member(guatemala, username="chapin")
    b = build_case(
        orgs=SimpleNamespace(**{**vars(orgs), "recipient": guatemala}),
        users=SimpleNamespace(**{**vars(users), "recipient": chapin}),
        status="implementation",
        categories=[second],
    )
    Agreement.objects.filter(request=b).update(cooperation_type="south_south")
    b.agreement.donors.add(orgs.other_donor)
    c = make_case("implementation", categories=[first])
    draft = make_case("draft", categories=[first])

    outcome = Result.objects.create(request=a, level=ResultLevel.OUTCOME, statement="Safer")
    a1 = _indicator(outcome, "a1", target=100)
    a2 = _indicator(outcome, "a2", target=50)
    _indicator(outcome, "a3", target=10)
    a4 = _indicator(outcome, "a4", target=None)
    report = _report(a, users.recipient, datetime.date(2026, 2, 1), datetime.date(2026, 4, 30))
    _actual(report, a1, 120)
    _actual(report, a2, 20)
    _actual(report, a4, 5)

    outcome = Result.objects.create(request=b, level=ResultLevel.OUTCOME, statement="Safer")
    b1 = _indicator(outcome, "b1", target=10)
    b2 = _indicator(outcome, "b2", baseline=40, target=5, ascending=False)
    b3 = _indicator(outcome, "b3", target=1000)
    early = _report(b, chapin, datetime.date(2026, 2, 1), datetime.date(2026, 4, 30))
    late = _report(b, chapin, datetime.date(2026, 5, 1), datetime.date(2026, 7, 31))
    _actual(early, b3, 1000)
    _actual(late, b1, 10)
    _actual(late, b2, 4)
    _actual(late, b3, 900)

    for case in (c, draft):
        outcome = Result.objects.create(request=case, level=ResultLevel.OUTCOME, statement="Safer")
        _indicator(outcome, "unreported", target=10)
    return SimpleNamespace(first=first, second=second, guatemala=guatemala)


def test_share_of_targets_met_matches_the_hand_count(measured, orgs, django_assert_num_queries):
    # The cases, their categories, their donors, and the two reads of indicator_standings.
    with django_assert_num_queries(5):
        targets = selectors.effectiveness_targets()
    # Counted by hand (see the fixture): met a1, b1, b2 of a1, a2, b1, b2, b3.
    assert (targets.overall.met, targets.overall.measured) == (3, 5)
    assert targets.overall.percent == Decimal("60.0")
    # Africa: a1 of a1, a2; Americas: b1, b2 of b1, b2, b3 (2 of 3 = 66.7%).
    assert targets.regions[Region.AFRICA].percent == Decimal("50.0")
    assert targets.regions[Region.AMERICAS].percent == Decimal("66.7")
    assert targets.categories[measured.first.pk].percent == Decimal("50.0")
    assert targets.categories[measured.second.pk].percent == Decimal("66.7")
    north_south = targets.cooperation["north_south"]
    assert (north_south.met, north_south.measured) == (1, 2)
    assert targets.cooperation["south_south"].percent == Decimal("66.7")
    # Japan funds A and B (3 of 5), Norway only B (2 of 3).
    assert targets.donors[orgs.donor.pk].percent == Decimal("60.0")
    assert targets.donors[orgs.other_donor.pk].percent == Decimal("66.7")


def test_rows_show_targets_beside_the_ratings_even_without_feedback(measured, users):
    data = selectors.effectiveness_get(user=users.unoda)
    assert data["targets"].percent == Decimal("60.0")
    regions = {str(row["region"]): row for row in data["regions"]}
    assert set(regions) == {"Africa", "Americas"}
    assert regions["Americas"]["n"] == 0  # no feedback yet: no rating, but the targets
    assert regions["Americas"]["average"] is None
    assert regions["Americas"]["targets"].percent == Decimal("66.7")
    cooperation = {row["cooperation_type"]: row for row in data["cooperation"]}
    assert cooperation["south_south"]["targets"].measured == 3
    donors = {row["donor_name"]: row for row in data["donors"]}
    assert donors["Norway"]["targets"].percent == Decimal("66.7")
    categories = {row["label"]: row for row in data["categories"]}
    assert categories[str(measured.second)]["targets"].percent == Decimal("66.7")


def test_the_page_explains_and_shows_the_shares(measured, client, users):
    client.force_login(users.unoda)
    page = client.get("/followup/effectiveness/").content.decode()
    assert "Share of targets met: of the indicators with a target" in page
    assert "Overall: 60.0% of 5 indicators measured." in page
    assert "66.7%" in page
    assert "50.0%" in page


def test_no_targets_measured(make_case, users, django_assert_num_queries):
    make_case("implementation")
    with django_assert_num_queries(1):  # the cases measured: none, so nothing more to read
        targets = selectors.effectiveness_targets()
    assert targets.overall.percent is None
    assert targets.regions == {}


def test_the_page_reads_as_many_queries_whatever_the_number_of_cases(
    measured, make_case, client, users
):
    client.force_login(users.unoda)
    client.get("/followup/effectiveness/")
    with CaptureQueriesContext(connection) as few:
        client.get("/followup/effectiveness/")
    for _ in range(3):
        case = make_case("implementation", categories=[measured.second])
        outcome = Result.objects.create(request=case, level=ResultLevel.OUTCOME, statement="Safer")
        indicator = _indicator(outcome, "more", target=10)
        report = _report(
            case, users.recipient, datetime.date(2026, 2, 1), datetime.date(2026, 4, 30)
        )
        _actual(report, indicator, 12)
        make_case("implementation", categories=[measured.first])  # nothing measured
    with CaptureQueriesContext(connection) as more:
        page = client.get("/followup/effectiveness/").content.decode()
    # Three more met of three more measured: 6 of 8.
    assert "Overall: 75.0% of 8 indicators measured." in page
    assert len(more) == len(few)
