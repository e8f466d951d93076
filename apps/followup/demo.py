"""Demo data for the follow-up: agreements on every case past donor interest, milestones and
progress reports on cases in implementation (one overdue), and closed cases with the
recipient's and two donors' feedback so that the effectiveness views show real numbers."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.cases import services as case_services
from apps.cases.models import AssistanceRequest, Category, Status, Visibility
from apps.cases.workflow import path_to
from apps.funding.services import interest_express

from . import services
from .models import RATING_FIELDS, Feedback, FeedbackStatus, ProgressStatus

# Transitions that need follow-up records; seed_demo hands them to ``walk_step``.
STEPS = frozenset({"record_agreement", "close"})

PARTNERS = {
    "africa": "UN Regional Centre for Peace and Disarmament in Africa",
    "americas": "UN Regional Centre for Peace, Disarmament and Development in Latin America "
    "and the Caribbean",
}

WORKED = [
    "Joint planning with the national commission kept activities on schedule.",
    "Training of trainers meant police instructors now run the courses themselves.",
    "Marking equipment arrived early and was installed at every depot.",
]
DID_NOT = [
    "Procurement took four months longer than planned.",
    "Staff turnover in the ministry slowed the legal drafting.",
    "Reporting templates differed between donors.",
]
LESSONS = [
    "Agree one reporting format for all co-funding donors at the start.",
    "Budget for maintenance beyond the project period.",
    "Involve customs as well as police from the first workshop.",
]


def _member(org):
    return org.members.order_by("pk").first()


def _donors_for(case, rng, donor_pool, count):
    pool = [org for org in donor_pool if org.pk != case.requesting_organization_id]
    return rng.sample(pool, count)


def _record_agreement(*, case, actor, rng, orgs, donors, comment=""):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=rng.randrange(120, 400))
    amount = case.budget_amount or Decimal(rng.randrange(50, 900) * 1000)
    partner = orgs.get(PARTNERS.get(case.requesting_organization.region, ""))
    if partner is None and rng.random() < 0.5:
        partner = orgs.get("United Nations Development Programme")
    if partner is not None and partner in donors:
        partner = None
    return services.agreement_record(
        actor=actor,
        case=case,
        donors=donors,
        implementing_partner=partner,
        signed_on=start - datetime.timedelta(days=20),
        amount=amount,
        currency=case.budget_currency,
        start_date=start,
        end_date=start + datetime.timedelta(days=365),
        comment=comment,
    )


def _rate(rng, base):
    return max(1, min(5, base + rng.choice([-1, 0, 0, 1])))


def submit_feedback(*, case, rng):
    """Every pending party submits feedback; recipients rate a little lower than donors."""
    for feedback in Feedback.objects.filter(request=case, status=FeedbackStatus.PENDING):
        base = 3 if feedback.role == "recipient" else 4
        ratings = {name: _rate(rng, base) for name in RATING_FIELDS}
        services.feedback_submit(
            actor=_member(feedback.organization),
            case=case,
            organization=feedback.organization,
            what_worked=rng.choice(WORKED),
            what_did_not_work=rng.choice(DID_NOT),
            lessons_learned=rng.choice(LESSONS),
            would_work_together_again=rng.random() < 0.8,
            **ratings,
        )


def walk_step(*, case, transition, actor, rng, orgs, comment=""):
    """Fire ``transition`` on ``case`` with what it needs first (agreement, feedback)."""
    donor_pool = [org for org in orgs.values() if org.is_donor]
    if transition == "register_interest":
        # Interest is a record of its own; expressing it fires the transition.
        interest_express(actor=actor, case=case, donor=orgs["Japan"], message=comment)
        return
    if transition == "record_agreement":
        count = 2 if rng.random() < 0.5 else 1
        _record_agreement(
            case=case,
            actor=actor,
            rng=rng,
            orgs=orgs,
            donors=_donors_for(case, rng, donor_pool, count),
            comment=comment,
        )
        return
    if transition == "close":
        submit_feedback(case=case, rng=rng)
    case_services.request_transition(actor=actor, case=case, transition=transition, comment=comment)


def _implementation_plans(*, rng, actor):
    today = timezone.localdate()
    cases = AssistanceRequest.objects.filter(status=Status.IMPLEMENTATION).select_related(
        "agreement", "requesting_organization"
    )
    for number, case in enumerate(cases.order_by("pk")):
        agreement = case.agreement
        start = agreement.start_date
        first = services.milestone_create(
            actor=actor,
            agreement=agreement,
            title="Baseline assessment completed",
            due_date=start + datetime.timedelta(days=45),
        )
        services.milestone_complete(
            actor=actor, milestone=first, completed_on=start + datetime.timedelta(days=40)
        )
        # The first case is behind: its second milestone is past due and not done.
        due = (
            today - datetime.timedelta(days=20)
            if number == 0
            else today + datetime.timedelta(days=60)
        )
        services.milestone_create(
            actor=actor,
            agreement=agreement,
            title="Equipment delivered and installed",
            due_date=due,
        )
        services.milestone_create(
            actor=actor,
            agreement=agreement,
            title="Final evaluation",
            due_date=agreement.end_date,
        )
        reporter = agreement.implementing_partner or case.requesting_organization
        services.progress_report_submit(
            actor=_member(reporter),
            agreement=agreement,
            organization=reporter,
            period_start=start,
            period_end=start + datetime.timedelta(days=89),
            status=ProgressStatus.DELAYED if number == 0 else ProgressStatus.ON_TRACK,
            percent_done=rng.randrange(15, 35),
            narrative="Assessment done; procurement launched; first training held.",
        )


def _closed_cases(*, rng, orgs, actor, count=8):
    recipients = [
        orgs[name]
        for name in (
            "Sierra Leone",
            "Kenya",
            "Guatemala",
            "Jamaica",
            "Cambodia",
            "Philippines",
            "Republic of Moldova",
            "Fiji",
        )
    ]
    donor_pool = [org for org in orgs.values() if org.is_donor]
    categories = list(Category.objects.all())
    for number in range(count):
        org = recipients[number % len(recipients)]
        category = categories[number % len(categories)]
        case = case_services.request_create(
            actor=actor,
            organization=org,
            title=f"{category.name}: completed project {number + 1}",
            summary=f"{org.name}: {category.name.lower()}, implemented and evaluated.",
            objectives="Reduce diversion of state-held weapons.",
            budget_amount=Decimal(rng.randrange(80, 900) * 1000),
            budget_currency="USD",
            visibility=Visibility.ALL_DONORS,
            categories=[category],
        )
        for name in path_to(Status.CLOSED):
            if name == "record_agreement":
                # Two co-funding donors on every one of these cases.
                _record_agreement(
                    case=case,
                    actor=actor,
                    rng=rng,
                    orgs=orgs,
                    donors=_donors_for(case, rng, donor_pool, 2),
                )
            else:
                walk_step(case=case, transition=name, actor=actor, rng=rng, orgs=orgs)


def load_demo(*, rng, orgs, users):
    _implementation_plans(rng=rng, actor=users["officer"])
    _closed_cases(rng=rng, orgs=orgs, actor=users["officer"])
