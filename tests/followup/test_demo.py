from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from apps.cases.models import AssistanceRequest, Status
from apps.followup import selectors
from apps.followup.models import Agreement, FeedbackStatus, ProgressReport


@pytest.mark.django_db
def test_demo_has_closed_cases_with_both_sides_feedback_and_an_overdue_plan():
    call_command("seed_demo", stdout=StringIO())
    after_interest = AssistanceRequest.objects.filter(
        status__in=[Status.AGREEMENT, Status.IMPLEMENTATION, Status.FEEDBACK, Status.CLOSED]
    )
    assert not after_interest.filter(agreement__isnull=True).exists()
    cofunded_closed = AssistanceRequest.objects.filter(status=Status.CLOSED).annotate(
        recipients=Count(
            "feedback", filter=Q(feedback__role="recipient", feedback__status="submitted")
        ),
        donors=Count("feedback", filter=Q(feedback__role="donor", feedback__status="submitted")),
    )
    assert cofunded_closed.filter(recipients=1, donors=2).count() >= 5
    officer = get_user_model().objects.get(username="officer")
    data = selectors.effectiveness_get(user=officer)
    assert data["summary"]["n"] >= 15
    assert len(data["regions"]) >= 4
    assert all(row["n"] > 0 for row in data["regions"])
    assert len(data["donors"]) >= 3
    assert selectors.overdue_cases(user=officer).exists()
    assert ProgressReport.objects.exists()
    assert Agreement.objects.filter(implementing_partner__isnull=False).exists()
    # Cases in "feedback" still wait for some of it.
    assert AssistanceRequest.objects.filter(
        status=Status.FEEDBACK, feedback__status=FeedbackStatus.PENDING
    ).exists()


@pytest.mark.django_db
def test_demo_has_agreements_and_offers_of_every_type_of_cooperation_and_the_dashboard_groups():
    from apps.funding.models import CooperationType, Offer
    from apps.reports import selectors as report_selectors

    call_command("seed_demo", stdout=StringIO())
    every = set(CooperationType.values)
    assert set(Agreement.objects.values_list("cooperation_type", flat=True)) == every
    assert set(Offer.objects.values_list("cooperation_type", flat=True)) == every
    # Every agreement was signed after its request was made, and not in the future.
    for agreement in Agreement.objects.select_related("request"):
        assert agreement.request.created_at.date() <= agreement.signed_on
        assert agreement.signed_on <= timezone.localdate()
        for milestone in agreement.milestones.all():
            assert agreement.start_date <= milestone.due_date <= agreement.end_date
    officer = get_user_model().objects.get(username="officer")
    cases = report_selectors.dashboard_cases(user=officer)
    rows = report_selectors.money_by(cases=cases, dimension="cooperation")["rows"]
    assert {row["key"] for row in rows} == every
    assert all(row["requested"] > 0 for row in rows)


@pytest.mark.django_db
def test_demo_has_frameworks_with_actuals_over_periods_and_one_case_behind(client):
    """Issue 29: frameworks on cases of stockpile management, marking and destruction from
    their categories' indicator templates, values reported over several periods, exactly one
    case clearly behind target; the donor's feedback form shows the achievement."""
    from apps.cases.models import Indicator
    from apps.followup.models import IndicatorActual

    call_command("seed_demo", stdout=StringIO())
    framed = AssistanceRequest.objects.filter(results__isnull=False).distinct()
    codes = set(framed.values_list("categories__code", flat=True))
    assert {"stockpile", "marking", "destruction"} <= codes
    # Each indicator comes from a template of its case's category.
    for indicator in Indicator.objects.select_related("template", "result__request"):
        assert indicator.template is not None
        assert indicator.result.request.categories.filter(pk=indicator.template.category_id)
    behind = []
    for case in framed:
        if case.status in (Status.IMPLEMENTATION, Status.FEEDBACK, Status.CLOSED):
            periods = set(
                IndicatorActual.objects.filter(indicator__result__request=case).values_list(
                    "report__period_end", flat=True
                )
            )
            assert len(periods) >= 2, case.reference
        standings = selectors.case_standings(case)
        assert standings
        if any(standing.behind for standing in standings):
            behind.append(case)
    assert len(behind) == 1
    (late,) = behind
    assert late.status == Status.IMPLEMENTATION
    # The others met their targets or are on schedule.
    closed = framed.filter(status=Status.CLOSED)
    assert closed.count() >= 3
    for case in closed:
        assert all(standing.met for standing in selectors.case_standings(case))
    # The demo donor's feedback form, on the case waiting for it, shows the achievement.
    waiting = framed.get(status=Status.FEEDBACK, agreement__donors__name="Japan")
    client.post("/accounts/login/", {"username": "donor", "password": "demo-portal-2026"})
    page = client.get(f"/followup/{waiting.reference}/feedback/").content.decode()
    assert 'class="achievement"' in page
    assert "Target met" in page
