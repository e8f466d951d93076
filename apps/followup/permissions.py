"""Who may see and do what in the follow-up of a case. Services, views and templates ask here."""

from apps.cases.models import AssistanceRequest, Status
from apps.cases.permissions import CaseAccess, can_view_request
from apps.cases.workflow import IMPLEMENTATION_OPEN
from apps.organizations import selectors as organization_selectors
from apps.organizations.selectors import user_is_unoda

from .models import Agreement, Feedback, FeedbackStatus


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def member_organization_ids(user) -> set[int]:
    return organization_selectors.member_organization_ids(user) if _active(user) else set()


def party_organization_ids(case: AssistanceRequest) -> set[int]:
    """The parties that give feedback: the recipient and every donor of the agreement."""
    ids = {case.requesting_organization_id}
    ids.update(
        Agreement.donors.through.objects.filter(agreement__request_id=case.pk).values_list(
            "organization_id", flat=True
        )
    )
    return ids


def user_party_ids(user, case: AssistanceRequest) -> set[int]:
    return member_organization_ids(user) & party_organization_ids(case)


def can_view_followup(access: CaseAccess) -> bool:
    return _active(access.user) and can_view_request(access)


def can_record_agreement(user) -> bool:
    return user_is_unoda(user)


def can_change_agreement(user, agreement: Agreement) -> bool:
    """UNODA correct and amend an agreement, and add its signed documents, while it runs."""
    return can_record_agreement(user) and agreement.request.status in IMPLEMENTATION_OPEN


def agreement_party_ids(agreement: Agreement) -> set[int]:
    """The parties of an agreement: the requesting State, every donor and the implementing
    partner (the donors read through ``.all()``, which the selectors prefetch)."""
    ids = {agreement.request.requesting_organization_id}
    ids.update(donor.pk for donor in agreement.donors.all())
    if agreement.implementing_partner_id:
        ids.add(agreement.implementing_partner_id)
    return ids


def can_see_agreement_records(user, agreement: Agreement) -> bool:
    """The agreement's signed documents, its history of changes and the progress reports'
    attachments: UNODA and the parties of the agreement, nobody else (a donor that may read the
    case but did not sign does not)."""
    if not _active(user):
        return False
    return user_is_unoda(user) or bool(
        member_organization_ids(user) & agreement_party_ids(agreement)
    )


def can_manage_milestones(user, agreement: Agreement) -> bool:
    if not _active(user) or agreement.request.status not in IMPLEMENTATION_OPEN:
        return False
    return user_is_unoda(user) or (
        agreement.request.requesting_organization_id in member_organization_ids(user)
    )


def reporting_organization_ids(user, agreement: Agreement) -> set[int]:
    """The organizations on whose behalf ``user`` may report progress on ``agreement``."""
    allowed = {agreement.request.requesting_organization_id}
    if agreement.implementing_partner_id:
        allowed.add(agreement.implementing_partner_id)
    if user_is_unoda(user):
        return allowed
    return allowed & member_organization_ids(user)


def can_report_progress(user, agreement: Agreement) -> bool:
    return (
        _active(user)
        and agreement.request.status == Status.IMPLEMENTATION
        and bool(reporting_organization_ids(user, agreement))
    )


def feedback_round_complete(case: AssistanceRequest) -> bool:
    """Sealed feedback opens to the parties once all submitted or the round is closed."""
    if case.status == Status.CLOSED:
        return True
    return (
        not Feedback.objects.filter(request_id=case.pk)
        .exclude(status=FeedbackStatus.SUBMITTED)
        .exists()
        and Feedback.objects.filter(request_id=case.pk).exists()
    )


def can_edit_feedback(user, feedback: Feedback) -> bool:
    return (
        _active(user)
        and feedback.status == FeedbackStatus.PENDING
        and feedback.request.status == Status.FEEDBACK
        and feedback.organization_id in member_organization_ids(user)
    )


def can_see_effectiveness(user) -> bool:
    return user_is_unoda(user)
