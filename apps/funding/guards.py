"""Guards of the case lifecycle that depend on funding records (named in cases/workflow.py)."""

from django.utils.translation import gettext_lazy as _

from .models import STANDING_INTEREST, ExpressionOfInterest


def _has_standing_interest(case) -> bool:
    return ExpressionOfInterest.objects.filter(
        request_id=case.pk, status__in=STANDING_INTEREST
    ).exists()


def has_active_interest(case) -> str | None:
    if not _has_standing_interest(case):
        return _("No donor has expressed interest in this request.")
    return None


def has_no_active_interest(case) -> str | None:
    if _has_standing_interest(case):
        return _("A donor's interest in this request still stands.")
    return None
