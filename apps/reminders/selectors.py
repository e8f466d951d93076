from django.contrib.auth import get_user_model

from .models import Stage


def unoda_officers():
    return list(get_user_model().objects.filter(is_active=True, is_unoda_officer=True))


def case_donor_users(case) -> set:
    """Active members of the donor organizations involved in the case."""
    return set()


def case_partner_users(case) -> set:
    """Active members of the case's implementing partner."""
    return set()


def reminder_recipients(rule, case, stage) -> list:
    if stage == Stage.ESCALATION:
        users = set(unoda_officers())
    else:
        users = set()
        if rule.notify_case_officer:
            if case.case_officer and case.case_officer.is_active:
                users.add(case.case_officer)
            else:  # nobody assigned: every UNODA officer sees it
                users.update(unoda_officers())
        if rule.notify_recipient:
            users.update(
                m.user
                for m in case.requesting_organization.memberships.select_related("user")
                if m.user.is_active
            )
        if rule.notify_donors:
            users.update(case_donor_users(case))
        if rule.notify_partner:
            users.update(case_partner_users(case))
    return sorted(users, key=lambda user: user.pk)
