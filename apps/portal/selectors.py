"""UNODA's queue: the cases a user may see, with what the queue filters on from the other
apps (a late milestone of the agreement makes a case overdue); what needs the user's action,
most urgent first; the queue's saved views."""

import datetime

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.cases.selectors import (
    from_document,
    in_region,
    list_deferred_fields,
    request_list,
    search_condition,
)
from apps.cases.workflow import (
    AWAITING_RECIPIENT,
    AWAITING_UNODA,
    OPEN,
    TERMINAL,
)
from apps.followup.models import Agreement, Feedback, FeedbackStatus, Milestone
from apps.funding.models import Commitment, CommitmentStatus
from apps.organizations.models import Membership
from apps.organizations.selectors import member_organization_ids, user_is_unoda

from .models import SavedView

# How far ahead a due date counts as "due soon" in the needs-my-action view.
DUE_SOON_DAYS = 7


def overdue_condition(today: datetime.date) -> Q:
    """A case is overdue when its next due date has passed while it is still open, or when one
    of its agreement's milestones is past due and not done."""
    late_milestone = Milestone.objects.filter(
        agreement__request=OuterRef("pk"), due_date__lt=today, completed_on__isnull=True
    )
    return (Q(due_date__lt=today) | Q(Exists(late_milestone))) & ~Q(status__in=TERMINAL)


def request_queue(
    *, user, filters: dict | None = None, search: str = "", ordering: tuple[str, ...] = ()
) -> QuerySet[AssistanceRequest]:
    """Every case the user may see, filtered, searched and ordered, annotated with
    ``is_overdue``, long texts left unread.

    Filters: status, region, category (code), priority, document (a kind of national document,
    or "none"), officer (user id), overdue, unassigned.
    """
    filters = filters or {}
    queryset = (
        request_list(user=user)
        .defer(*list_deferred_fields())
        .annotate(is_overdue=overdue_condition(timezone.localdate()))
    )
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if region := filters.get("region"):
        queryset = queryset.filter(in_region(region))
    if category := filters.get("category"):
        queryset = queryset.filter(categories__code=category)
    if priority := filters.get("priority"):
        queryset = queryset.filter(priority=priority)
    if document := filters.get("document"):
        queryset = queryset.filter(from_document(document))
    if officer := filters.get("officer"):
        queryset = queryset.filter(case_officer=officer)
    if filters.get("unassigned"):
        queryset = queryset.filter(case_officer__isnull=True).exclude(status__in=TERMINAL)
    if filters.get("overdue"):
        queryset = queryset.filter(is_overdue=True)
    if search := (search or "").strip():
        queryset = queryset.filter(search_condition(search))
    return queryset.order_by(*ordering) if ordering else queryset


def with_question(queryset: QuerySet[AssistanceRequest]) -> QuerySet[AssistanceRequest]:
    """The cases annotated with ``question``: the comment of their latest return for revision
    (UNODA's question to the State), read in the same query as the cases."""
    latest = (
        StatusChange.objects.filter(request=OuterRef("pk"), to_status=Status.NEEDS_REVISION)
        .order_by("-created_at")
        .values("comment")[:1]
    )
    return queryset.annotate(question=Subquery(latest))


# --- What needs the user's action --------------------------------------------------------------


class Urgency:
    """The needs-my-action view's order, most urgent first (the ``urgency`` annotation)."""

    OVERDUE = 0  # a due date of the user's side has passed
    DUE_SOON = 1  # one falls within DUE_SOON_DAYS
    NEW = 2  # a new submission, waiting for triage
    WAITING = 3  # the next step is the user's, without a date

    LABELS = {
        OVERDUE: pgettext_lazy("why a case needs action", "Overdue"),
        DUE_SOON: pgettext_lazy("why a case needs action", "Due soon"),
        NEW: pgettext_lazy("why a case needs action", "New submission"),
        WAITING: pgettext_lazy("why a case needs action", "Your turn"),
    }


def _needs_parts(user, today: datetime.date) -> list[tuple[Q, Q, Q]]:
    """For each side the user acts for: which cases wait on it, which of them are overdue and
    which are due soon (conditions on the case, each a few EXISTS on indexed rows)."""
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS + 1)
    parts = []
    if user_is_unoda(user):
        mine = Q(case_officer=user)

        def milestone_due(before):
            return Exists(
                Milestone.objects.filter(
                    agreement__request=OuterRef("pk"),
                    due_date__lt=before,
                    completed_on__isnull=True,
                )
            )

        due_soon = Q(due_date__lt=soon) | milestone_due(soon)
        parts.append(
            (
                # Triage, review and starting an agreed implementation: the officer's own
                # cases and the ones nobody has taken yet; and the officer's cases with a date
                # coming up or passed.
                (Q(status__in=AWAITING_UNODA) & (mine | Q(case_officer__isnull=True)))
                | (mine & Q(status__in=OPEN) & due_soon),
                overdue_condition(today),
                due_soon & ~Q(status__in=TERMINAL),
            )
        )
    organizations = sorted(member_organization_ids(user))
    if organizations:

        def reports_due(before):
            # Agreements with a reporting period ended without its progress report, for the
            # State and for the implementing partner.
            return Agreement.objects.filter(
                Q(request__requesting_organization_id__in=organizations)
                | Q(implementing_partner_id__in=organizations),
                first_unreported_period_end__lt=before,
            )

        def pledges(before=None):
            # The donors' pledges not yet made firm commitments (by their expected date).
            dates = {"expected_commitment_date__lt": before} if before else {}
            return Commitment.objects.filter(
                donor_id__in=organizations, status=CommitmentStatus.PLEDGED, **dates
            )

        def report_due(before):
            return Exists(reports_due(before).filter(request=OuterRef("pk"))) & Q(
                status=Status.IMPLEMENTATION
            )

        def pledge_due(before=None):
            return Exists(pledges(before).filter(request=OuterRef("pk")))

        # Which cases wait on the organizations, as one set of keys read from each table that
        # says so (a UNION): an OR of EXISTS across tables is checked case by case over every
        # case the user may see, whereas the keys are few and indexed.
        waiting = (
            AssistanceRequest.objects.filter(
                requesting_organization_id__in=organizations, status__in=AWAITING_RECIPIENT
            )
            .order_by()
            .values("pk")
            .union(
                reports_due(soon)
                .filter(request__status=Status.IMPLEMENTATION)
                .order_by()
                .values("request_id"),
                Feedback.objects.filter(
                    organization_id__in=organizations,
                    status=FeedbackStatus.PENDING,
                    request__status=Status.FEEDBACK,
                )
                .order_by()
                .values("request_id"),
                pledges().filter(request__status__in=OPEN).order_by().values("request_id"),
            )
        )
        parts.append(
            (
                Q(pk__in=waiting),
                report_due(today) | (pledge_due(today) & Q(status__in=OPEN)),
                report_due(soon) | (pledge_due(soon) & Q(status__in=OPEN)),
            )
        )
    return parts


# The needs-my-action view's order: most urgent first, then the nearest due date, then the
# longest waiting (new submissions oldest first).
URGENCY_ORDERING = ("urgency", "due_date", "status_changed_at", "pk")


def needs_action(
    *,
    user,
    filters: dict | None = None,
    search: str = "",
    ordering: tuple[str, ...] = URGENCY_ORDERING,
    today: datetime.date | None = None,
) -> QuerySet[AssistanceRequest]:
    """The cases that wait on the user, as ``request_queue`` reads them (same scope, filters
    and search), annotated with ``urgency`` (``Urgency``) and ordered by it.

    UNODA: new submissions and the cases awaiting UNODA (its own or unassigned), and its own
    cases with a date passed or coming up. A State: its drafts and the requests returned for
    revision, its progress reports and feedback due. An implementing partner: its progress
    reports due. A donor: its pledges to make firm and its feedback due."""
    today = today or timezone.localdate()
    parts = _needs_parts(user, today)
    if not parts:
        # Nothing waits on someone who acts for no side (with the annotation of the others).
        return AssistanceRequest.objects.annotate(
            urgency=Value(Urgency.WAITING, output_field=IntegerField())
        ).none()
    waiting, overdue, due_soon = Q(), Q(), Q()
    for part_waiting, part_overdue, part_soon in parts:
        waiting |= part_waiting
        overdue |= part_overdue
        due_soon |= part_soon
    urgency = Case(
        When(overdue, then=Value(Urgency.OVERDUE)),
        When(due_soon, then=Value(Urgency.DUE_SOON)),
        When(status=Status.SUBMITTED, then=Value(Urgency.NEW)),
        default=Value(Urgency.WAITING),
        output_field=IntegerField(),
    )
    queryset = (
        request_queue(user=user, filters=filters, search=search)
        .filter(waiting)
        .annotate(urgency=urgency)
    )
    return queryset.order_by(*ordering) if ordering else queryset


def rows_in_order(queryset: QuerySet, keys: list) -> list:
    """The rows of ``queryset`` whose keys are ``keys``, in the order of ``keys`` (a page whose
    order was computed on the keys alone)."""
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
    return [rows[key] for key in keys if key in rows]


# --- Saved views of the queue ------------------------------------------------------------------


def _colleague_condition(user) -> Q:
    """Whose shared views the user sees: UNODA officers each other's; anyone else the views of
    the members of their own organizations, of the same side (not UNODA's)."""
    unoda_owner = Q(owner__is_unoda_officer=True) | Q(owner__is_superuser=True)
    if user_is_unoda(user):
        return unoda_owner
    organizations = sorted(member_organization_ids(user))
    if not organizations:
        return Q(pk__in=[])
    same_organization = Exists(
        Membership.objects.filter(user_id=OuterRef("owner_id"), organization_id__in=organizations)
    )
    return same_organization & ~unoda_owner


def saved_view_list(*, user) -> QuerySet[SavedView]:
    """The user's own saved views and those colleagues share, own first, then by name."""
    if not (user.is_authenticated and user.is_active):
        return SavedView.objects.none()
    own = Q(owner=user)
    return (
        SavedView.objects.filter(own | (Q(shared=True) & _colleague_condition(user)))
        .select_related("owner")
        .annotate(is_own=Case(When(own, then=Value(0)), default=Value(1)))
        .order_by("is_own", "name", "pk")
    )


def saved_view_get_own(*, user, pk) -> SavedView:
    """One of the user's own saved views (``SavedView.DoesNotExist`` for any other)."""
    return SavedView.objects.get(owner_id=user.pk, pk=pk)
