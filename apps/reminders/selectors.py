"""Whom a reminder goes to, and what it may suggest."""

from apps.cases.models import Status
from apps.followup.models import Agreement, Feedback, FeedbackStatus
from apps.funding.matching import offers_for_request
from apps.notifications.parties import (
    by_case,
    case_donor_organization_ids,
    members_by_organization,
    unoda_officers,
)

from .models import Stage


def reminder_recipients_many(rule, stage, targets) -> list[list]:
    """Whom to remind for each (case, donor id or None) in ``targets``, in a fixed number of
    queries however many targets: the people of each, ordered by id."""
    if stage == Stage.ESCALATION:
        officers = sorted(unoda_officers(), key=lambda user: user.pk)
        return [officers for _target in targets]
    case_ids = {case.pk for case, _donor_id in targets}
    # In the feedback round only the parties whose feedback is still pending are chased.
    in_feedback = [case.pk for case, _donor_id in targets if case.status == Status.FEEDBACK]
    pending = by_case(
        Feedback.objects.filter(
            request_id__in=in_feedback, status=FeedbackStatus.PENDING
        ).values_list("request_id", "organization_id")
        if in_feedback
        else []
    )
    needs_donors = rule.notify_donors and any(donor_id is None for _case, donor_id in targets)
    donors = case_donor_organization_ids(case_ids) if needs_donors else {}
    partners = (
        dict(
            Agreement.objects.filter(
                request_id__in=case_ids, implementing_partner__isnull=False
            ).values_list("request_id", "implementing_partner_id")
        )
        if rule.notify_partner
        else {}
    )
    needs_officers = rule.notify_case_officer and any(
        not (case.case_officer and case.case_officer.is_active) for case, _donor_id in targets
    )
    officers = unoda_officers() if needs_officers else []

    organizations_of = []
    for case, donor_id in targets:
        organizations: set[int] = set()
        if rule.notify_recipient:
            organizations.add(case.requesting_organization_id)
        if rule.notify_donors:
            organizations |= {donor_id} if donor_id else donors.get(case.pk, set())
        if rule.notify_partner and case.pk in partners:
            organizations.add(partners[case.pk])
        if case.status == Status.FEEDBACK:
            organizations &= pending.get(case.pk, set())
        organizations_of.append(organizations)
    members = members_by_organization(set().union(*organizations_of))

    recipients = []
    for (case, _donor_id), organizations in zip(targets, organizations_of, strict=True):
        users = set()
        if rule.notify_case_officer:
            if case.case_officer and case.case_officer.is_active:
                users.add(case.case_officer)
            else:  # nobody assigned: every UNODA officer sees it
                users.update(officers)
        for organization_id in organizations:
            users |= members.get(organization_id, set())
        recipients.append(sorted(users, key=lambda user: user.pk))
    return recipients


def suggests_offers(rule) -> bool:
    """A published case nobody has shown interest in: the reminder attaches matching offers."""
    return rule.status == Status.PUBLISHED


def suggested_offers(rule, case, *, limit: int = 3) -> list:
    """For a published case nobody has shown interest in: the best-matching offers."""
    if not suggests_offers(rule) or case.status != Status.PUBLISHED:
        return []
    return offers_for_request(case=case, limit=limit)
