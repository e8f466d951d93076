"""Demo data for the follow-up: agreements on every case past donor interest (every type of
cooperation in turn, with donors that fit it), milestones and
progress reports on cases in implementation (one overdue), and closed cases with the
recipient's and two donors' feedback so that the effectiveness views show real numbers.

Results frameworks (issue 29): every case in implementation, the closed ones of stockpile
management, marking and destruction, and a Sierra Leone case funded by Japan that waits for
the demo logins' feedback, have a framework with values reported over several periods; exactly
one case, the first in implementation (already late on its milestones), is clearly behind
target, the others are on schedule or met their targets."""

import datetime
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db.models import F
from django.utils import timezone

from apps.cases import services as case_services
from apps.cases.demo import FRAMEWORK_CATEGORIES, framework_create
from apps.cases.models import (
    AssistanceRequest,
    Category,
    IndicatorMeasure,
    Status,
    StatusChange,
    Visibility,
)
from apps.cases.results import expected_at
from apps.cases.workflow import path_to
from apps.funding.models import CooperationType
from apps.funding.services import interest_express
from apps.organizations.models import OrganizationKind

from . import selectors, services
from .models import (
    RATING_FIELDS,
    Agreement,
    Feedback,
    FeedbackStatus,
    IndicatorActual,
    ProgressStatus,
)

# Transitions that need follow-up records; seed_demo hands them to ``walk_step``.
STEPS = frozenset({"record_agreement", "close"})

PARTNERS = {
    "africa": "United Nations Regional Centre for Peace and Disarmament in Africa",
    "americas": "United Nations Regional Centre for Peace, Disarmament and Development in "
    "Latin America and the Caribbean",
    "asia": "United Nations Regional Centre for Peace and Disarmament in Asia and the Pacific",
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
    "Train the storekeepers before the new racks and locks arrive, not after.",
    "Plan the destruction with the environment ministry: open burning was refused late.",
    "Keep one national register: two agencies with their own lists double-counted weapons.",
    "Translate the manuals into the local languages before the training starts.",
    "Ask the donors for one joint visit instead of one each.",
]


def _member(org):
    return org.members.order_by("pk").first()


def _donors_for(case, rng, donor_pool, count):
    pool = [org for org in donor_pool if org.pk != case.requesting_organization_id]
    return rng.sample(pool, count)


def _next_cooperation_type() -> str:
    """The types in turn, one per agreement recorded, so the demo holds every one of them."""
    types = CooperationType.values
    return types[Agreement.objects.count() % len(types)]


def _donors_of_type(case, rng, donor_pool, count, cooperation_type):
    """Donors that make ``cooperation_type`` true of the case: States of the South (donors
    that also receive) for South-South, one of them with a northern donor for triangular, a
    UN entity for multilateral, donors of the State's own region for regional, other donors
    for North-South."""
    region = case.requesting_organization.region
    pool = [org for org in donor_pool if org.pk != case.requesting_organization_id]
    south = [org for org in pool if org.is_recipient and org.kind == OrganizationKind.STATE]
    un = [org for org in pool if org.kind == OrganizationKind.UN_ENTITY]
    north = [
        org
        for org in pool
        if org not in south and org not in un and org.kind != OrganizationKind.REGIONAL
    ]
    if cooperation_type == CooperationType.SOUTH_SOUTH:
        chosen = rng.sample(south, min(count, len(south)))
    elif cooperation_type == CooperationType.TRIANGULAR:
        chosen = [rng.choice(south), rng.choice(north)]
    elif cooperation_type == CooperationType.MULTILATERAL:
        chosen = [rng.choice(un), *rng.sample(north, count - 1)]
    elif cooperation_type == CooperationType.REGIONAL:
        near = [org for org in pool if org.region == region and org not in un]
        chosen = rng.sample(near, min(count, len(near)))
    else:
        chosen = rng.sample(north, count)
    return chosen or _donors_for(case, rng, donor_pool, count)


def _filed_before(case, day: datetime.date, rng) -> None:
    """Move a demo case (and its history so far) back in time so that it was made before its
    agreement was signed: an agreement is never signed before the request existed."""
    filed = timezone.localdate(
        AssistanceRequest.objects.values_list("created_at", flat=True).get(pk=case.pk)
    )
    if filed < day:
        return
    shift = datetime.timedelta(days=(filed - day).days + rng.randrange(20, 60))
    AssistanceRequest.objects.filter(pk=case.pk).update(
        created_at=F("created_at") - shift, status_changed_at=F("status_changed_at") - shift
    )
    StatusChange.objects.filter(request_id=case.pk).update(created_at=F("created_at") - shift)


def _record_agreement(*, case, actor, rng, orgs, donors, cooperation_type, comment=""):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=rng.randrange(120, 400))
    signed_on = start - datetime.timedelta(days=20)
    _filed_before(case, signed_on, rng)
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
        signed_on=signed_on,
        amount=amount,
        currency=case.budget_currency,
        start_date=start,
        end_date=start + datetime.timedelta(days=365),
        cooperation_type=cooperation_type,
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
            share_lessons=rng.random() < 0.6,
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
        cooperation_type = _next_cooperation_type()
        _record_agreement(
            case=case,
            actor=actor,
            rng=rng,
            orgs=orgs,
            donors=_donors_of_type(case, rng, donor_pool, count, cooperation_type),
            cooperation_type=cooperation_type,
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
        # Within the agreement's period, as every milestone is.
        due = (
            today - datetime.timedelta(days=20)
            if number == 0
            else min(today + datetime.timedelta(days=60), agreement.end_date)
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
        first_report = services.progress_report_submit(
            actor=_member(reporter),
            agreement=agreement,
            organization=reporter,
            period_start=start,
            period_end=start + datetime.timedelta(days=89),
            status=ProgressStatus.DELAYED if number == 0 else ProgressStatus.ON_TRACK,
            percent_done=rng.randrange(15, 35),
            narrative="Assessment done; procurement launched; first training held.",
        )
        # The first case is behind its targets too.
        results_reported(case=case, behind=number == 0, first_report=first_report)


# --- Results frameworks and their actuals (issue 29) ------------------------------------------

QUARTER = 90  # days of a demo reporting period
BEHIND_SHARE = Decimal("0.3")  # the case behind made 30% of the progress expected
AHEAD_SHARE = Decimal("1.1")  # the others 110%
WOMEN_SHARE = Decimal("0.35")


def report_periods(start: datetime.date, today: datetime.date) -> list[tuple]:
    """Quarters from ``start`` that have ended by ``today``, and at least two: where only one
    has, the second runs to yesterday."""
    periods = []
    while (end := start + datetime.timedelta(days=QUARTER - 1)) < today:
        periods.append((start, end))
        start = end + datetime.timedelta(days=1)
    if len(periods) < 2:
        periods.append((start, today - datetime.timedelta(days=1)))
    return periods


def _reached(indicator, day: datetime.date, *, behind: bool, done: bool) -> Decimal:
    """The value a demo indicator reached by ``day``: its target when the work is ``done``,
    else a share of the progress the straight line of apps/cases/results.py expects."""
    if done:
        return indicator.target_value
    baseline = indicator.baseline_value
    expected = expected_at(indicator, day)
    value = baseline + (expected - baseline) * (BEHIND_SHARE if behind else AHEAD_SHARE)
    value = min(value, indicator.target_value)
    step = Decimal("0.1") if indicator.measure == IndicatorMeasure.PERCENTAGE else Decimal(1)
    return value.quantize(step, rounding=ROUND_FLOOR if behind else ROUND_CEILING)


def actuals_record(report, values: dict) -> None:
    """The values reached per indicator by the end of ``report``'s period (with the women
    among the people counted). Written with the ORM, in this one function, until the actuals'
    service exists."""
    for indicator, value in values.items():
        women = None
        if indicator.by_sex:
            women = (value * WOMEN_SHARE).quantize(Decimal(1), ROUND_FLOOR)
        IndicatorActual.objects.create(report=report, indicator=indicator, value=value, women=women)


def results_reported(*, case, behind=False, done=False, first_report=None) -> None:
    """Give ``case`` (in implementation) a results framework and report its values quarter by
    quarter through the progress report service, ``first_report`` being the first quarter's
    where one is filed already. ``behind``: the case falls clearly behind its targets;
    ``done``: the last report shows every target met (the case is about to complete), as it
    does when the agreement has ended."""
    agreement = Agreement.objects.select_related("implementing_partner").get(request=case)
    today = timezone.localdate()
    indicators = framework_create(case, start=agreement.start_date, end=agreement.end_date)
    reporter = agreement.implementing_partner or case.requesting_organization
    periods = report_periods(agreement.start_date, today)
    for number, (start, end) in enumerate(periods):
        last = number == len(periods) - 1
        met = last and not behind and (done or agreement.end_date < today)
        if number == 0 and first_report is not None:
            report = first_report
        else:
            report = services.progress_report_submit(
                actor=_member(reporter),
                agreement=agreement,
                organization=reporter,
                period_start=start,
                period_end=end,
                status=ProgressStatus.DELAYED if behind else ProgressStatus.ON_TRACK,
                percent_done=100 if met else min(90, 25 * (number + 1)),
                narrative="Values reached per indicator are given with this report.",
            )
        actuals_record(
            report,
            {
                indicator: _reached(indicator, end, behind=behind, done=met)
                for indicator in indicators
            },
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
            beneficiaries="National police and armed forces.",
            national_ownership="Led by the national commission on small arms.",
            sustainability="Maintenance budgeted by the ministry after the project.",
            duration_months=12,
            budget_amount=Decimal(rng.randrange(80, 900) * 1000),
            budget_currency="USD",
            # Every other one public: the public page gives its outcome.
            visibility=Visibility.PUBLIC_SUMMARY if number % 2 else Visibility.ALL_DONORS,
            categories=[category],
        )
        for name in path_to(Status.CLOSED):
            if name == "complete" and category.code in FRAMEWORK_CATEGORIES:
                results_reported(case=case, done=True)
            if name == "record_agreement":
                # Two co-funding donors on every one of these cases.
                cooperation_type = _next_cooperation_type()
                _record_agreement(
                    case=case,
                    actor=actor,
                    rng=rng,
                    orgs=orgs,
                    donors=_donors_of_type(case, rng, donor_pool, 2, cooperation_type),
                    cooperation_type=cooperation_type,
                )
            else:
                walk_step(case=case, transition=name, actor=actor, rng=rng, orgs=orgs)
        shared = selectors.shareable_lessons(case=case)
        if shared:
            services.lesson_publish(
                actor=actor,
                case=case,
                title=shared[0].lessons_learned.rstrip("."),
                body="\n\n".join(dict.fromkeys(feedback.lessons_learned for feedback in shared)),
            )


def _awaiting_feedback(*, orgs, actor):
    """A destruction case of Sierra Leone funded by Japan, completed on target and waiting
    for feedback: the "recipient" and "donor" logins see the achievement on their forms. Its
    own random numbers, so that the rest of the demo stays as it was."""
    rng = random.Random(29)  # noqa: S311 - demo data, not secrets
    state = orgs["Sierra Leone"]
    case = case_services.request_create(
        actor=actor,
        organization=state,
        title="Destruction of surplus small arms and ammunition",
        summary="Sierra Leone: surplus weapons and ammunition destroyed, results reported.",
        objectives="Destroy the surplus identified in the 2024 stockpile survey.",
        beneficiaries="National police and armed forces.",
        national_ownership="Led by the national commission on small arms.",
        sustainability="Surplus declared and destroyed every year by the national commission.",
        duration_months=12,
        budget_amount=Decimal(240000),
        budget_currency="USD",
        visibility=Visibility.PUBLIC_SUMMARY,
        categories=[Category.objects.get(code="destruction")],
    )
    for name in path_to(Status.FEEDBACK):
        if name == "record_agreement":
            _record_agreement(
                case=case,
                actor=actor,
                rng=rng,
                orgs=orgs,
                donors=[orgs["Japan"]],
                cooperation_type=CooperationType.NORTH_SOUTH,
            )
            continue
        if name == "complete":
            results_reported(case=case, done=True)
        walk_step(case=case, transition=name, actor=actor, rng=rng, orgs=orgs)


def load_demo(*, rng, orgs, users):
    _implementation_plans(rng=rng, actor=users["officer"])
    _closed_cases(rng=rng, orgs=orgs, actor=users["officer"])
    _awaiting_feedback(orgs=orgs, actor=users["officer"])
