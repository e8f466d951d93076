"""Whom a reminder goes to, and what it may suggest."""

from django.contrib.auth import get_user_model

from apps.cases.models import Status
from apps.followup.models import Feedback, FeedbackStatus
from apps.funding.matching import offers_for_request
from apps.funding.models import Commitment, CommitmentStatus, ExpressionOfInterest, InterestStatus
from apps.organizations.models import Membership

from .models import Stage


def unoda_officers() -> list:
    return list(get_user_model().objects.filter(is_active=True, is_unoda_officer=True))


def _members(organization_ids) -> set:
    return {
        m.user
        for m in Membership.objects.filter(
            organization_id__in=organization_ids, user__is_active=True
        ).select_related("user")
    }


def case_donor_organization_ids(case) -> set[int]:
    """Donors involved in the case: active interest, a live commitment, or the agreement."""
    ids = set(
        ExpressionOfInterest.objects.filter(
            request=case, status__in=[InterestStatus.ACTIVE, InterestStatus.CONVERTED]
        ).values_list("donor_id", flat=True)
    )
    ids |= set(
        Commitment.objects.filter(request=case)
        .exclude(status=CommitmentStatus.CANCELLED)
        .values_list("donor_id", flat=True)
    )
    agreement = getattr(case, "agreement", None)
    if agreement is not None:
        ids |= set(agreement.donors.values_list("pk", flat=True))
    return ids


def _pending_feedback_ids(case) -> set[int]:
    return set(
        Feedback.objects.filter(request=case, status=FeedbackStatus.PENDING).values_list(
            "organization_id", flat=True
        )
    )


def reminder_recipients(rule, case, stage, *, donor_id=None) -> list:
    if stage == Stage.ESCALATION:
        return sorted(unoda_officers(), key=lambda user: user.pk)
    # In the feedback round only the parties whose feedback is still pending are chased.
    pending = _pending_feedback_ids(case) if case.status == Status.FEEDBACK else None
    organizations: set[int] = set()
    users = set()
    if rule.notify_case_officer:
        if case.case_officer and case.case_officer.is_active:
            users.add(case.case_officer)
        else:  # nobody assigned: every UNODA officer sees it
            users.update(unoda_officers())
    if rule.notify_recipient:
        organizations.add(case.requesting_organization_id)
    if rule.notify_donors:
        organizations |= {donor_id} if donor_id else case_donor_organization_ids(case)
    if rule.notify_partner:
        agreement = getattr(case, "agreement", None)
        if agreement is not None and agreement.implementing_partner_id:
            organizations.add(agreement.implementing_partner_id)
    if pending is not None:
        organizations &= pending
    users |= _members(organizations)
    return sorted(users, key=lambda user: user.pk)


def suggested_offers(rule, case, *, limit: int = 3) -> list:
    """For a published case nobody has shown interest in: the best-matching offers."""
    if rule.status != Status.PUBLISHED or case.status != Status.PUBLISHED:
        return []
    return offers_for_request(case=case, limit=limit)
