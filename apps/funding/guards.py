"""Guards and confirmations of the case lifecycle that depend on funding records (named in
cases/workflow.py)."""

from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.cases.history import undisbursed_lines
from apps.cases.workflow import Confirmation

from .models import (
    FUNDED_STATUSES,
    STANDING_INTEREST,
    Commitment,
    Disbursement,
    ExpressionOfInterest,
)


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


def undisbursed_tranches(commitments) -> list[Commitment]:
    """The firm commitments among ``commitments`` (each with its disbursements prefetched)
    that are not fully disbursed, in the order given."""
    return [c for c in commitments if c.status in FUNDED_STATUSES and c.undisbursed_amount > 0]


def undisbursed_confirmation(tranches: list[Commitment]) -> Confirmation | None:
    """What closing would leave undisbursed, per donor and tranche, or None for nothing."""
    if not tranches:
        return None
    lines = [
        {
            "donor": str(c.donor),
            "tranche": c.tranche,
            "left": str(c.undisbursed_amount),
            "amount": str(c.amount),
            "currency": c.currency,
        }
        for c in tranches
    ]
    message = gettext("Firm commitments are not fully disbursed: %(lines)s.") % {
        "lines": undisbursed_lines(lines)
    }
    return Confirmation(message, {"lines": lines})


def case_tranches(case):
    """Every tranche of ``case`` with its donor and disbursements, by donor and tranche."""
    return (
        Commitment.objects.filter(request_id=case.pk)
        .select_related("donor")
        .prefetch_related(Prefetch("disbursements", queryset=Disbursement.objects.order_by()))
        .order_by("donor__name", "tranche", "pk")
    )


def undisbursed_commitments(case) -> Confirmation | None:
    """A confirmation of closing: what the firm commitments leave undisbursed."""
    return undisbursed_confirmation(undisbursed_tranches(case_tranches(case)))
