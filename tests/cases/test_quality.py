"""The completeness checklist judges content, and a State cannot submit below the threshold."""

import datetime
from decimal import Decimal

import pytest

from apps.cases import services
from apps.cases.models import AssistanceRequest, Category, Status
from apps.cases.quality import completeness, distinct_words
from apps.core.exceptions import ApplicationError
from apps.core.models import PortalSettings

pytestmark = pytest.mark.django_db

FULL = {
    "objectives": "Reduce the diversion of weapons from the central police armoury.",
    "activities": "Fit doors and racks, train the armourers, keep a digital register.",
    "budget_amount": Decimal("100000"),
    "beneficiaries": "Police armourers",
    "national_ownership": "The national commission on small arms leads and staffs the work.",
    "duration_months": 12,
    "national_report_url": "https://example.org/report",
    "sustainability": "The police budget keeps the register and the doors after the project.",
}


def draft(orgs, users, lines=None, **fields):
    return services.request_create(
        actor=users.recipient,
        organization=orgs.recipient,
        title="Secure the central armoury",
        activity_lines=lines,
        **fields,
    )


def measurable_outcome(actor, case):
    outcome = services.result_create(
        actor=actor, case=case, level="outcome", statement="Weapons kept safe."
    )
    services.indicator_create(
        actor=actor,
        result=outcome,
        name="Sites meeting the standards",
        measure=2,
        baseline_value=Decimal("10"),
        baseline_date=datetime.date(2026, 1, 1),
        target_value=Decimal("80"),
        target_date=datetime.date(2027, 1, 1),
    )
    return outcome


def test_a_title_alone_is_refused_at_submission_with_what_is_missing(orgs, users):
    case = draft(orgs, users)
    assert completeness(case).score == 0
    with pytest.raises(ApplicationError) as refused:
        services.request_transition(actor=users.recipient, case=case, transition="submit")
    message = str(refused.value)
    assert "0% complete; at least 30% is needed to submit it" in message
    for advice in (
        "Say in a few sentences what the assistance should achieve.",
        "List the activities, each with its estimated cost.",
        "Give the expected duration in months.",
        "Choose at least one category of assistance.",
    ):
        assert advice in message
    assert AssistanceRequest.objects.get(pk=case.pk).status == Status.DRAFT


def test_x_in_every_field_scores_low(orgs, users):
    case = draft(
        orgs,
        users,
        lines=[{"description": "x", "estimated_cost": Decimal("1")}],
        **dict.fromkeys(("objectives", "activities", "beneficiaries"), "x"),
        national_ownership="x x x x x",
        sustainability="x",
        budget_amount=Decimal("1"),
    )
    checklist = completeness(case)
    # Only the costs (one line of 1 for a budget of 1) hold: "x" is no objective.
    assert checklist.score == 10
    assert [item.label for item in checklist.items if item.met] == [
        "Activities costed within the budget"
    ]


def test_a_complete_request_scores_100_and_submits(orgs, users):
    lines = [
        {"description": "Doors and racks", "estimated_cost": Decimal("60000")},
        {"description": "Training of armourers", "estimated_cost": Decimal("45000")},
    ]
    case = draft(orgs, users, lines=lines, categories=[Category.objects.first()], **FULL)
    measurable_outcome(users.recipient, case)
    assert (completeness(case).score, completeness(case).missing) == (100, [])
    services.request_transition(actor=users.recipient, case=case, transition="submit")
    assert case.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("costs", "budget", "met", "advice"),
    [
        (["60000", "45000"], "100000", True, ""),  # 5% over: within the tolerance
        (["30000", "20000"], "100000", False, "add up to 50,000.00, the budget is 100,000.00"),
        (["60000", None], "100000", False, "Give every activity its estimated cost."),
        (["60000", "40000"], None, False, "Give the total budget of the request."),
    ],
)
def test_the_activities_costs_must_match_the_budget(orgs, users, costs, budget, met, advice):
    lines = [
        {"description": f"Activity {n}", "estimated_cost": cost and Decimal(cost)}
        for n, cost in enumerate(costs)
    ]
    case = draft(orgs, users, lines=lines, budget_amount=budget and Decimal(budget))
    (check,) = [
        i for i in completeness(case).items if i.label == "Activities costed within the budget"
    ]
    assert check.met is met
    assert advice in check.advice


def test_words_are_counted_in_every_script():
    assert distinct_words("x x x x x x") == 0
    assert distinct_words("Train the police armourers of the capital") == 6
    assert distinct_words("加强国家武器库的安全管理") == 12
    assert distinct_words("تدريب موظفي الشرطة على إدارة المخزونات") == 6


def test_the_coordinators_set_the_threshold(orgs, users):
    PortalSettings.objects.create(
        submit_min_completeness=0, publish_min_completeness=0, pledge_ageing_days=90
    )
    case = draft(orgs, users)
    services.request_transition(actor=users.recipient, case=case, transition="submit")
    assert case.status == Status.SUBMITTED


FRAMEWORK = "A measurable indicator per outcome"


def _framework_check(case):
    (check,) = [i for i in completeness(case).items if i.label == FRAMEWORK]
    return check


def test_the_framework_needs_an_outcome_each_with_a_measurable_indicator(orgs, users):
    case = draft(orgs, users)
    check = _framework_check(case)
    assert not check.met
    assert "at least one outcome" in check.advice
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Stockpiles kept safe."
    )
    # An indicator without a baseline and a dated target is not measurable.
    loose = services.indicator_create(actor=users.recipient, result=outcome, name="Safety")
    assert not loose.is_measurable
    assert "Give each outcome an indicator" in _framework_check(case).advice
    measurable_outcome(users.recipient, case)  # a second outcome, measurable
    assert not _framework_check(case).met  # the first one still is not
    services.indicator_update(
        actor=users.recipient,
        indicator=loose,
        unit="sites",
        baseline_value="0",
        target_value="12",
        target_date=datetime.date(2027, 6, 30),
    )
    assert _framework_check(case).met
    # An output's indicators do not count for the outcomes.
    services.result_create(actor=users.recipient, case=case, level="output", statement="Doors.")
    assert _framework_check(case).met


def test_the_checklist_takes_the_outcomes_from_a_prefetch(orgs, users, django_assert_num_queries):
    case = draft(orgs, users, categories=[Category.objects.first()])
    measurable_outcome(users.recipient, case)
    case = AssistanceRequest.objects.prefetch_related(
        "activity_lines", "categories", "results__indicators"
    ).get(pk=case.pk)
    with django_assert_num_queries(0):
        assert _framework_check(case).met
