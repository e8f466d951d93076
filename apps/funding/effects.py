"""Effects of the case lifecycle on funding records (named in cases/workflow.py)."""

from django.utils import timezone

from .models import STANDING_INTEREST, ExpressionOfInterest, InterestStatus


def conclude_interests(case, *, actor, change) -> None:
    """The case has ended: every interest still standing (active, or converted into funding)
    is concluded, in the transition's transaction."""
    ExpressionOfInterest.objects.filter(request_id=case.pk, status__in=STANDING_INTEREST).update(
        status=InterestStatus.CONCLUDED, updated_at=timezone.now()
    )
