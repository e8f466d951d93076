"""Reads of the audit log: UNODA only."""

import datetime

from django.db.models import Q, QuerySet

from apps.organizations.selectors import user_is_unoda

from .models import AuditEvent


def audit_event_list(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    if not user_is_unoda(user):
        return AuditEvent.objects.none()
    queryset = AuditEvent.objects.all()
    filters = filters or {}
    if q := filters.get("q"):
        queryset = queryset.filter(
            Q(actor_username__icontains=q)
            | Q(object_id__icontains=q)
            | Q(organization__icontains=q)
        )
    if kind := filters.get("kind"):
        queryset = queryset.filter(kind=kind)
    if since := filters.get("since"):
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
        queryset = queryset.filter(created_at__gte=start)
    if until := filters.get("until"):
        end = datetime.datetime.combine(until, datetime.time.max, tzinfo=datetime.UTC)
        queryset = queryset.filter(created_at__lte=end)
    return queryset.order_by("-created_at", "-pk")
