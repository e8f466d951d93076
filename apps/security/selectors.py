"""Reads of the audit log (UNODA only) and of a user's own two-factor set-up."""

import datetime

from django.db.models import Q, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def otp_backup_codes_remaining(*, user) -> int:
    """How many of the user's backup codes are still unused."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def otp_authenticators_count(*, user) -> int:
    """How many confirmed authenticator apps the user has."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).count()
