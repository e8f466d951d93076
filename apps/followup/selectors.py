"""Reads of follow-up records, scoped to what the user may see."""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.cases.models import (
    AssistanceKind,
    AssistanceRequest,
    Category,
    Indicator,
    ResultLevel,
    Status,
)
from apps.cases.permissions import CaseAccess
from apps.cases.results import Point, Standing, standing
from apps.cases.selectors import list_deferred_fields
from apps.funding.models import CooperationType, cooperation_label
from apps.organizations.models import Organization, Region
from apps.organizations.selectors import user_is_unoda

from .models import (
    CRITERIA,
    RATING_FIELDS,
    Agreement,
    AgreementChange,
    AgreementDocument,
    Feedback,
    FeedbackStatus,
    FeedbackWaiver,
    IndicatorActual,
    Lesson,
    Milestone,
    PartyRole,
    ProgressReport,
    ProgressReportAttachment,
)
from .permissions import (
    can_see_agreement_records,
    can_see_effectiveness,
    can_view_followup,
    feedback_round_complete,
    party_organization_ids,
    user_party_ids,
)


def agreement_get(*, access: CaseAccess) -> Agreement | None:
    """The agreement of the case of ``access``, or None; PermissionDenied if its user may not
    follow the case."""
    case = access.case
    if not can_view_followup(access):
        raise PermissionDenied(_("You may not see this case."))
    agreement = (
        Agreement.objects.select_related("implementing_partner")
        .prefetch_related(
            "donors",
            Prefetch(
                "documents",
                queryset=AgreementDocument.objects.select_related("uploaded_by").order_by(
                    "created_at", "pk"
                ),
            ),
        )
        .filter(request_id=case.pk)
        .first()
    )
    if agreement is not None:
        agreement.request = case  # the caller's case, not read a second time
    return agreement


def milestone_list(*, access: CaseAccess) -> QuerySet[Milestone]:
    """The milestones of the case's agreement, by due date (none without an agreement), for
    whoever follows the case (PermissionDenied otherwise): the plan page's and the API's."""
    agreement = agreement_get(access=access)
    if agreement is None:
        return Milestone.objects.none()
    return agreement.milestones.select_related("completed_by").order_by("due_date", "pk")


def progress_report_list(*, access: CaseAccess) -> QuerySet[ProgressReport]:
    """The progress reports on the case's agreement, by period (none without an agreement),
    with their attachments, for whoever follows the case (PermissionDenied otherwise). Who
    may open an attachment is ``can_see_agreement_records``."""
    agreement = agreement_get(access=access)
    if agreement is None:
        return ProgressReport.objects.none()
    return _reports(agreement)


def _reports(agreement: Agreement) -> QuerySet[ProgressReport]:
    return (
        agreement.reports.select_related("organization", "submitted_by")
        .prefetch_related(
            Prefetch("attachments", queryset=ProgressReportAttachment.objects.order_by("pk"))
        )
        .order_by("period_start", "pk")
    )


def agreement_history(*, user, agreement: Agreement) -> list[AgreementChange]:
    """The corrections and amendments of ``agreement``, oldest first, for UNODA and its
    parties (empty for anyone else): one query, whatever the number of changes."""
    if not can_see_agreement_records(user, agreement):
        return []
    return list(agreement.changes.select_related("actor", "document").order_by("created_at", "pk"))


def agreement_document_get(*, access: CaseAccess, pk) -> AgreementDocument:
    """A signed document of the agreement of the case of ``access``, or
    ``AgreementDocument.DoesNotExist`` (the same answer whether it does not exist or the user
    is not UNODA nor a party of the agreement)."""
    agreement = agreement_get(access=access)
    if agreement is None or not can_see_agreement_records(access.user, agreement):
        raise AgreementDocument.DoesNotExist
    return AgreementDocument.objects.get(agreement=agreement, pk=pk)


def report_attachment_get(*, access: CaseAccess, pk) -> ProgressReportAttachment:
    """An attachment of a progress report on the case of ``access``, or
    ``ProgressReportAttachment.DoesNotExist`` (the same answer whether it does not exist or the
    user is not UNODA nor a party of the agreement)."""
    agreement = agreement_get(access=access)
    if agreement is None or not can_see_agreement_records(access.user, agreement):
        raise ProgressReportAttachment.DoesNotExist
    return ProgressReportAttachment.objects.select_related("report").get(
        report__agreement=agreement, pk=pk
    )


def feedback_missing_parties(*, case: AssistanceRequest) -> list[Organization]:
    """Parties that have neither submitted feedback nor been waived by UNODA."""
    submitted = Feedback.objects.filter(
        request_id=case.pk, organization=OuterRef("pk"), status=FeedbackStatus.SUBMITTED
    )
    waived = FeedbackWaiver.objects.filter(request_id=case.pk, organization=OuterRef("pk"))
    return list(
        Organization.objects.filter(pk__in=party_organization_ids(case))
        .filter(~Exists(submitted), ~Exists(waived))
        .order_by("name")
    )


def feedback_list(*, user, case: AssistanceRequest) -> QuerySet[Feedback]:
    """The feedback on ``case`` that ``user`` may read, following the sealing policy."""
    queryset = Feedback.objects.filter(request_id=case.pk).select_related(
        "organization", "submitted_by"
    )
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if user_is_unoda(user):
        return queryset
    mine = user_party_ids(user, case)
    if not mine:
        return queryset.none()
    if feedback_round_complete(case):
        return queryset
    return queryset.filter(organization_id__in=mine)


def feedback_waivers(*, user, case: AssistanceRequest) -> QuerySet[FeedbackWaiver]:
    if not user_is_unoda(user):
        return FeedbackWaiver.objects.none()
    return FeedbackWaiver.objects.filter(request_id=case.pk).select_related(
        "organization", "recorded_by"
    )


def waivable_parties(*, case: AssistanceRequest) -> QuerySet[Organization]:
    """The parties of ``case`` whose feedback is neither submitted nor waived."""
    return (
        Organization.objects.filter(
            pk__in=Feedback.objects.filter(request_id=case.pk)
            .exclude(status=FeedbackStatus.SUBMITTED)
            .values("organization_id")
        )
        .exclude(pk__in=FeedbackWaiver.objects.filter(request_id=case.pk).values("organization_id"))
        .order_by("name")
    )


# --- Implementation: the plan against the reports -------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True)
class ReportingPeriod:
    start: datetime.date
    end: datetime.date
    reported: bool
    overdue: bool


def reporting_periods(
    agreement: Agreement, *, today: datetime.date | None = None, reports=None
) -> list[ReportingPeriod]:
    """The reporting periods from the start date, every ``reporting_interval_months``, up to
    today or the end date. A period is reported when a report overlaps it; it is overdue when
    it has ended without one. ``reports``: (start, end) pairs, if not the agreement's own."""
    today = today or timezone.localdate()
    if reports is None:
        # .all(), not .values_list(): a finder prefetches the reports of a whole batch.
        reports = [(r.period_start, r.period_end) for r in agreement.reports.all()]
    periods = []
    index = 0
    start = agreement.start_date
    while start <= min(today, agreement.end_date):
        index += 1
        end = min(
            add_months(agreement.start_date, index * agreement.reporting_interval_months)
            - datetime.timedelta(days=1),
            agreement.end_date,
        )
        reported = any(r_start <= end and r_end >= start for r_start, r_end in reports)
        periods.append(
            ReportingPeriod(
                start=start, end=end, reported=reported, overdue=not reported and end < today
            )
        )
        start = end + datetime.timedelta(days=1)
    return periods


def first_unreported_period_end(agreement: Agreement, *, reports=None) -> datetime.date | None:
    """The last day of the agreement's earliest period without a report (None: all reported).

    Stored on the agreement (``first_unreported_period_end``) so that the reminder sweep reads
    only the agreements with a period ended and not reported."""
    for period in reporting_periods(agreement, today=agreement.end_date, reports=reports):
        if not period.reported:
            return period.end
    return None


@dataclass
class ImplementationOverview:
    agreement: Agreement
    milestones: list
    overdue_milestones: list
    reports: list
    periods: list[ReportingPeriod]
    overdue_periods: list[ReportingPeriod]
    today: datetime.date


def implementation_overview(
    *, access: CaseAccess, today: datetime.date | None = None
) -> ImplementationOverview | None:
    """A case's plan (milestones, reporting periods) against its progress reports."""
    agreement = agreement_get(access=access)
    if agreement is None:
        return None
    today = today or timezone.localdate()
    milestones = list(agreement.milestones.all())
    reports = list(_reports(agreement))  # read once: listed, and the periods they cover
    periods = reporting_periods(
        agreement, today=today, reports=[(r.period_start, r.period_end) for r in reports]
    )
    return ImplementationOverview(
        agreement=agreement,
        milestones=milestones,
        overdue_milestones=[m for m in milestones if not m.is_done and m.due_date < today],
        reports=reports,
        periods=periods,
        overdue_periods=[p for p in periods if p.overdue],
        today=today,
    )


def overdue_cases(*, user, today: datetime.date | None = None) -> QuerySet[AssistanceRequest]:
    """UNODA's list: cases in implementation with a milestone past due and not done, each with
    how many (``overdue_milestones``). The cases are found from their overdue milestones and
    counted one by one: grouping every case in implementation to count its milestones read them
    all, overdue or not."""
    if not user_is_unoda(user):
        return AssistanceRequest.objects.none()
    today = today or timezone.localdate()
    overdue = Milestone.objects.filter(
        agreement__request=OuterRef("pk"), due_date__lt=today, completed_on__isnull=True
    )
    return (
        AssistanceRequest.objects.filter(Exists(overdue), status=Status.IMPLEMENTATION)
        .annotate(
            overdue_milestones=Subquery(
                overdue.values("agreement__request").annotate(n=Count("pk")).values("n")
            )
        )
        .defer(*list_deferred_fields())
        .select_related("requesting_organization")
        .order_by("reference")
    )


# --- Effectiveness: anonymous aggregates for UNODA ------------------------------------------


def _by_role(prefix_filter: Q, field: str) -> dict:
    recipient = Q(role=PartyRole.RECIPIENT) & prefix_filter
    donor = Q(role=PartyRole.DONOR) & prefix_filter
    return {
        f"{field}_recipient": Avg(field, filter=recipient),
        f"{field}_recipient_n": Count("pk", filter=recipient),
        f"{field}_donor": Avg(field, filter=donor),
        f"{field}_donor_n": Count("pk", filter=donor),
    }


def _gap(recipient, donor):
    if recipient is None or donor is None:
        return None
    return recipient - donor


def _submitted() -> QuerySet[Feedback]:
    return Feedback.objects.filter(status=FeedbackStatus.SUBMITTED)


def _totals() -> dict:
    """The figures over every submitted feedback, in one aggregate: its count and cases, the
    answers to "would work together again", and each criterion's averages and counts (all,
    the recipients', the donors'), read by ``effectiveness_summary`` and
    ``effectiveness_by_criterion``."""
    aggregates = {}
    for name in RATING_FIELDS:
        aggregates[f"{name}_all"] = Avg(name)
        aggregates.update(_by_role(Q(), name))
    return _submitted().aggregate(
        n=Count("pk"),
        cases=Count("request", distinct=True),
        again=Count("pk", filter=Q(would_work_together_again=True)),
        answered=Count("pk", filter=Q(would_work_together_again__isnull=False)),
        **aggregates,
    )


def effectiveness_by_criterion(totals: dict | None = None) -> list[dict]:
    """Each criterion's averages with their counts and the recipient-minus-donor gap; from
    ``totals`` (``_totals()``) when the caller has read them."""
    row = _totals() if totals is None else totals
    labels = {name: Feedback._meta.get_field(name).verbose_name for name in RATING_FIELDS}
    return [
        {
            "criterion": labels[name],
            "average": row[f"{name}_all"],
            "n": row["n"],
            "recipient": row[f"{name}_recipient"],
            "recipient_n": row[f"{name}_recipient_n"],
            "donor": row[f"{name}_donor"],
            "donor_n": row[f"{name}_donor_n"],
            "gap": _gap(row[f"{name}_recipient"], row[f"{name}_donor"]),
        }
        for name in RATING_FIELDS
    ]


def _overall_by(path: str, submitted=None) -> dict:
    """The overall rating of submitted feedback grouped by ``path``, by its value: the average
    and count, each party's, in one grouped query."""
    submitted = _submitted() if submitted is None else submitted
    return {
        row[path]: row
        for row in submitted.values(path)
        .annotate(average=Avg("overall"), n=Count("pk"), **_by_role(Q(), "overall"))
        .order_by()
    }


def _overall_row(label, row) -> dict:
    """One row of an effectiveness table: ``label`` and the figures of ``_overall_by`` (none
    rated: no feedback yet)."""
    row = row or {
        "average": None,
        "n": 0,
        "overall_recipient": None,
        "overall_recipient_n": 0,
        "overall_donor": None,
        "overall_donor_n": 0,
    }
    return {
        "label": label,
        "average": row["average"],
        "n": row["n"],
        "recipient": row["overall_recipient"],
        "recipient_n": row["overall_recipient_n"],
        "donor": row["overall_donor"],
        "donor_n": row["overall_donor_n"],
        "gap": _gap(row["overall_recipient"], row["overall_donor"]),
    }


# --- Targets met: the results frameworks' side of effectiveness --------------------------------


@dataclass(frozen=True)
class TargetsMet:
    """Of the indicators measured (with a target and at least one value reported), how many
    have met their target."""

    met: int = 0
    measured: int = 0

    def __add__(self, other: "TargetsMet") -> "TargetsMet":
        return TargetsMet(self.met + other.met, self.measured + other.measured)

    @property
    def percent(self) -> Decimal | None:
        """The share met, in per cent to one decimal (None when nothing is measured)."""
        if not self.measured:
            return None
        return (Decimal(100 * self.met) / self.measured).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class TargetsMetBy:
    overall: TargetsMet
    regions: dict
    categories: dict
    cooperation: dict
    donors: dict


def effectiveness_targets(*, today: datetime.date | None = None) -> TargetsMetBy:
    """The share of targets met over the cases with an agreement, overall and per region of the
    requesting State, category (a case counts in each of its categories), type of cooperation
    and donor (a case counts for each donor of its agreement). Counted per indicator: among the
    indicators with a target and at least one value reported, those whose latest value meets
    the target (``apps/cases/results.py`` ``target_met``). Five queries, whatever the number
    of cases: the cases, their categories, their donors and ``indicator_standings``'s two (the
    first alone when no case has anything measured).

    Only the cases that have such an indicator are read, and each query names them by a
    subquery rather than by a list of ids: most cases with an agreement have nothing measured
    and would count for nothing."""
    measured_cases = AssistanceRequest.objects.filter(
        Exists(
            Indicator.objects.filter(
                result__request=OuterRef("pk"),
                target_value__isnull=False,
                actuals__isnull=False,
            )
        ),
        agreement__isnull=False,
    ).values("pk")
    cases = {
        pk: (region, cooperation)
        for pk, region, cooperation in AssistanceRequest.objects.filter(
            pk__in=measured_cases
        ).values_list("pk", "requesting_organization__region", "agreement__cooperation_type")
    }
    if not cases:
        return TargetsMetBy(TargetsMet(), {}, {}, {}, {})
    categories: dict[int, list[int]] = {}
    for case_id, category_id in AssistanceRequest.categories.through.objects.filter(
        assistancerequest_id__in=measured_cases
    ).values_list("assistancerequest_id", "category_id"):
        categories.setdefault(case_id, []).append(category_id)
    donors: dict[int, list[int]] = {}
    for case_id, donor_id in Agreement.donors.through.objects.filter(
        agreement__request_id__in=measured_cases
    ).values_list("agreement__request_id", "organization_id"):
        donors.setdefault(case_id, []).append(donor_id)
    result = TargetsMetBy(TargetsMet(), {}, {}, {}, {})
    overall = TargetsMet()

    def count(groups: dict, key, figures: TargetsMet):
        groups[key] = groups.get(key, TargetsMet()) + figures

    for case_id, standings in indicator_standings(measured_cases, today=today).items():
        measured = [s for s in standings if s.met is not None]
        if not measured:
            continue
        figures = TargetsMet(met=sum(1 for s in measured if s.met), measured=len(measured))
        overall += figures
        region, cooperation = cases[case_id]
        count(result.regions, region, figures)
        count(result.cooperation, cooperation or "", figures)
        for pk in categories.get(case_id, ()):
            count(result.categories, pk, figures)
        for pk in donors.get(case_id, ()):
            count(result.donors, pk, figures)
    return TargetsMetBy(
        overall, result.regions, result.categories, result.cooperation, result.donors
    )


def effectiveness_by_region(targets: dict | None = None) -> list[dict]:
    """Overall ratings grouped by the region of the requesting State; with ``targets``
    (``TargetsMetBy.regions``), the share of targets met beside them, and a row for a region
    with targets measured but no feedback yet."""
    targets = targets or {}
    rows = _overall_by("request__requesting_organization__region")
    labels = dict(Region.choices)
    return [
        {
            "region": labels.get(value),
            **_overall_row(labels.get(value), rows.get(value)),
            "targets": targets.get(value),
        }
        for value in sorted(set(rows) | set(targets))
    ]


def _by_related(path: str, things, targets: dict | None = None) -> list[dict]:
    """Overall ratings grouped by the cases' ``path`` (a many-to-many: a feedback counts once
    in each category, or kind of help, of its case), in the order of ``things``; with
    ``targets`` (by the things' pk), the share of targets met beside them."""
    targets = targets or {}
    rows = _overall_by(path, _submitted().filter(**{f"{path}__isnull": False}))
    return [
        {**_overall_row(str(thing), rows.get(thing.pk)), "targets": targets.get(thing.pk)}
        for thing in things
        if thing.pk in rows or thing.pk in targets
    ]


def effectiveness_by_category(targets: dict | None = None) -> list[dict]:
    """Overall ratings grouped by the category of assistance of the case."""
    return _by_related("request__categories", Category.objects.order_by("position", "pk"), targets)


def effectiveness_by_kind() -> list[dict]:
    """Overall ratings grouped by the kind of help of the case."""
    return _by_related("request__kinds", AssistanceKind.objects.order_by("position", "pk"))


def effectiveness_by_cooperation(targets: dict | None = None) -> list[dict]:
    """Overall ratings grouped by the type of cooperation of the case's agreement, in the
    order of the types ("not recorded" last, for agreements from before it was asked)."""
    targets = targets or {}
    rows = _overall_by(
        "request__agreement__cooperation_type",
        _submitted().filter(request__agreement__isnull=False),
    )
    return [
        {
            "cooperation_type": value,
            **_overall_row(cooperation_label(value), rows.get(value)),
            "targets": targets.get(value),
        }
        for value in [*CooperationType.values, ""]
        if value in rows or value in targets
    ]


def effectiveness_by_donor(targets: dict | None = None) -> list[dict]:
    """Per donor: how the recipients rated the cases it funded (overall), against the donor's
    own overall rating of those cases. Co-funders' ratings are not mixed in. With ``targets``
    (by donor pk), the share of targets met of the cases it funded."""
    targets = targets or {}
    recipients = {
        row["request__agreement__donors"]: row
        for row in _submitted()
        .filter(role=PartyRole.RECIPIENT, request__agreement__donors__isnull=False)
        .values("request__agreement__donors")
        .annotate(average=Avg("overall"), n=Count("pk"))
    }
    own = {
        row["organization"]: row
        for row in _submitted()
        .filter(role=PartyRole.DONOR)
        .values("organization")
        .annotate(average=Avg("overall"), n=Count("pk"))
    }
    names = dict(
        Organization.objects.filter(pk__in=set(recipients) | set(own) | set(targets)).values_list(
            "pk", "name"
        )
    )
    rows = []
    for pk in sorted(names, key=names.get):
        recipient, donor = recipients.get(pk, {}), own.get(pk, {})
        rows.append(
            {
                "donor_name": names[pk],
                "recipient": recipient.get("average"),
                "recipient_n": recipient.get("n", 0),
                "donor": donor.get("average"),
                "donor_n": donor.get("n", 0),
                "gap": _gap(recipient.get("average"), donor.get("average")),
                "targets": targets.get(pk),
            }
        )
    return rows


def effectiveness_summary(totals: dict | None = None) -> dict:
    """How many feedback forms on how many cases, and the share that would work together
    again; from ``totals`` (``_totals()``) when the caller has read them."""
    totals = _totals() if totals is None else totals
    row = {key: totals[key] for key in ("n", "cases", "again", "answered")}
    row["again_share"] = round(100 * row["again"] / row["answered"]) if row["answered"] else None
    return row


def effectiveness_get(*, user) -> dict:
    if not can_see_effectiveness(user):
        raise PermissionDenied(_("Only UNODA officers see the effectiveness views."))
    targets = effectiveness_targets()
    totals = _totals()
    return {
        "summary": effectiveness_summary(totals),
        "targets": targets.overall,
        "criteria": effectiveness_by_criterion(totals),
        "regions": effectiveness_by_region(targets.regions),
        "categories": effectiveness_by_category(targets.categories),
        "kinds": effectiveness_by_kind(),
        "cooperation": effectiveness_by_cooperation(targets.cooperation),
        "donors": effectiveness_by_donor(targets.donors),
        "criteria_names": CRITERIA,
    }


# --- What waits on a user (home page) ----------------------------------------------------------


def feedback_pending_list(*, user) -> QuerySet[Feedback]:
    """Feedback the user's organizations still owe on cases in the feedback round."""
    from .permissions import member_organization_ids

    return Feedback.objects.filter(
        status=FeedbackStatus.PENDING,
        request__status=Status.FEEDBACK,
        organization_id__in=member_organization_ids(user),
    ).select_related("request", "organization")


def feedback_given_list(*, user) -> QuerySet[Feedback]:
    """Feedback the user's organizations have submitted, the latest first."""
    from .permissions import member_organization_ids

    return (
        Feedback.objects.filter(
            status=FeedbackStatus.SUBMITTED,
            organization_id__in=member_organization_ids(user),
        )
        .select_related("request", "organization")
        .order_by("-submitted_at", "-pk")
    )


@dataclass
class ReportsDue:
    agreement: Agreement
    overdue_periods: list[ReportingPeriod]
    next_period: ReportingPeriod | None


def reports_due_list(
    *, user, today: datetime.date | None = None, limit: int | None = None
) -> list[ReportsDue]:
    """Agreements in implementation that the user reports on (as the State or the implementing
    partner), with the periods that ended without a report; the first ``limit`` of them by
    reference, when given."""
    from .permissions import member_organization_ids

    today = today or timezone.localdate()
    mine = member_organization_ids(user)
    # The two sides as a UNION of keys: an OR across the agreement and its case is planned as a
    # hash of every agreement, whereas each side alone is read through its index.
    reported_on = (
        Agreement.objects.filter(
            request__in=AssistanceRequest.objects.filter(
                requesting_organization_id__in=mine, status=Status.IMPLEMENTATION
            ).values("pk")
        )
        .order_by()
        .values("pk")
        .union(Agreement.objects.filter(implementing_partner_id__in=mine).order_by().values("pk"))
    )
    agreements = (
        Agreement.objects.filter(request__status=Status.IMPLEMENTATION, pk__in=reported_on)
        .select_related("request")
        .prefetch_related("reports")
        .order_by("request__reference")
    )
    result = []
    for agreement in agreements if limit is None else agreements[:limit]:
        periods = reporting_periods(agreement, today=today)
        pending = [p for p in periods if not p.reported]
        result.append(
            ReportsDue(
                agreement=agreement,
                overdue_periods=[p for p in periods if p.overdue],
                next_period=pending[0] if pending else None,
            )
        )
    return result


# --- Lessons shared ----------------------------------------------------------------------------


def lesson_list(*, filters: dict | None = None) -> QuerySet[Lesson]:
    """The lessons UNODA published, newest first, for every signed-in user: searched by ``q``
    (words of the title or the lesson, any case) and filtered by ``category`` (a code) and
    ``region``; with the case's categories and region, not its parties."""
    filters = filters or {}
    lessons = (
        Lesson.objects.select_related("request__requesting_organization")
        .prefetch_related("request__categories")
        .order_by("-created_at", "-pk")
    )
    if q := (filters.get("q") or "").strip():
        lessons = lessons.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if category := filters.get("category"):
        lessons = lessons.filter(request__categories__code=category)
    if region := filters.get("region"):
        lessons = lessons.filter(request__requesting_organization__region=region)
    return lessons


def shareable_lessons(*, case: AssistanceRequest) -> list[Feedback]:
    """The submitted feedback on ``case`` whose party agreed to share its lessons (what UNODA
    may publish from), with a lesson written."""
    return list(
        _submitted()
        .filter(request=case, share_lessons=True)
        .exclude(lessons_learned="")
        .select_related("organization")
        .order_by("role", "pk")
    )


def case_lessons(*, case: AssistanceRequest) -> QuerySet[Lesson]:
    return Lesson.objects.filter(request=case).order_by("-created_at", "-pk")


def indicator_standings(
    case_ids, *, today: datetime.date | None = None
) -> dict[int, list[Standing]]:
    """How every indicator of the results frameworks of ``case_ids`` stands against its target
    (apps/cases/results.py), per case id: outcomes' indicators first, then the outputs', each
    in their order. Two queries whatever the number of cases; a case without a framework is
    absent. The one read of actuals for the case page, the feedback forms, the effectiveness
    views, the reminders, the IATI export and the API."""
    today = today or timezone.localdate()
    indicators = list(
        Indicator.objects.filter(result__request_id__in=case_ids)
        .select_related("result")
        .order_by(
            "result__request_id",
            "result__level",
            "result__position",
            "result_id",
            "position",
            "pk",
        )
    )
    points: dict[int, list[Point]] = {}
    rows = IndicatorActual.objects.filter(indicator__in=indicators).values_list(
        "indicator_id", "report__period_end", "value", "women", "report_id", "evidence_id"
    )
    for indicator_id, *point in rows:
        points.setdefault(indicator_id, []).append(Point(*point))
    standings: dict[int, list[Standing]] = {}
    for indicator in indicators:
        standings.setdefault(indicator.result.request_id, []).append(
            standing(indicator, points.get(indicator.pk, ()), today=today)
        )
    return standings


def case_standings(case: AssistanceRequest, *, today: datetime.date | None = None):
    """``indicator_standings`` of one case: a list, empty without a framework."""
    return indicator_standings([case.pk], today=today).get(case.pk, [])


@dataclass
class ResultGroup:
    """An outcome or an output and how each of its indicators stands."""

    result: object
    standings: list[Standing]


@dataclass
class CaseResults:
    standings: list[Standing]  # outcomes' indicators first, as ``indicator_standings``
    outcomes: list[ResultGroup]
    outputs: list[ResultGroup]

    @property
    def behind(self) -> int:
        return sum(1 for s in self.standings if s.behind)

    @property
    def met(self) -> int:
        return sum(1 for s in self.standings if s.met)


def case_results(*, access: CaseAccess, today: datetime.date | None = None) -> CaseResults:
    """The results framework of the case of ``access`` with how each indicator stands
    (``case_standings``: two queries, whatever the number of indicators and actuals), grouped
    by outcome and output, for whoever follows the case (PermissionDenied otherwise): the case
    page's "Results", the progress report form and the API's actuals."""
    if not can_view_followup(access):
        raise PermissionDenied(_("You may not see this case."))
    standings = case_standings(access.case, today=today)
    groups: dict[int, ResultGroup] = {}
    for item in standings:
        result = item.indicator.result
        result.request = access.case  # not read again
        groups.setdefault(result.pk, ResultGroup(result, [])).standings.append(item)
    ordered = list(groups.values())
    return CaseResults(
        standings=standings,
        outcomes=[g for g in ordered if g.result.level == ResultLevel.OUTCOME],
        outputs=[g for g in ordered if g.result.level != ResultLevel.OUTCOME],
    )
