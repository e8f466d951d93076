"""UNODA's queue: the cases a user may see, with what the queue filters on from the other
apps (a late milestone of the agreement makes a case overdue)."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.cases.models import AssistanceRequest
from apps.cases.selectors import (
    from_document,
    in_region,
    list_deferred_fields,
    request_list,
    search_condition,
)
from apps.cases.workflow import TERMINAL
from apps.followup.models import Milestone


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
