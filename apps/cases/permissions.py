"""Who may see and do what on a case. Services, views, templates and the admin all ask here."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker

from apps.organizations.selectors import (
    donor_organization_ids,
    is_member,
    recipients_exist,
    user_is_unoda,
    user_memberships,
)

from .models import AssistanceRequest, Visibility
from .workflow import DONOR_VISIBLE, RECIPIENT_EDITABLE, TERMINAL, Role, Transition

VIEW_PERM = "cases.view_assistancerequest"
CHANGE_PERM = "cases.change_assistancerequest"

_CHECKERS: ContextVar[dict | None] = ContextVar("portal_permission_checkers", default=None)


@contextmanager
def permissions_read_once() -> Iterator[None]:
    """Within the block, each user's object permissions on a case are read once (one
    django-guardian checker per user), for a page that asks several questions of one case
    (may the user see it, edit it, fire which transition, comment). Pages only: services
    check again on the locked row, outside any such block, so a permission withdrawn a moment
    ago is never taken as still given."""
    token = _CHECKERS.set({})
    try:
        yield
    finally:
        _CHECKERS.reset(token)


def _has_object_perm(user, perm: str, case: AssistanceRequest) -> bool:
    """``user.has_perm(perm, case)``: django-guardian's answer (Django's own backend gives no
    object permission), from the block's checker inside ``permissions_read_once``."""
    checkers = _CHECKERS.get()
    if checkers is None:
        return user.has_perm(perm, case)
    if user.pk not in checkers:
        checkers[user.pk] = ObjectPermissionChecker(user)
    return checkers[user.pk].has_perm(perm, case)


def _visible_to_donor(case: AssistanceRequest, donor_ids: set[int]) -> bool:
    if case.status not in DONOR_VISIBLE:
        return False
    if case.visibility in (Visibility.ALL_DONORS, Visibility.PUBLIC_SUMMARY):
        return True
    if case.visibility == Visibility.SELECTED_DONORS:
        return case.selected_donors.filter(pk__in=donor_ids).exists()
    return False


def roles_for(user, case: AssistanceRequest) -> set[Role]:
    if not (user.is_authenticated and user.is_active):
        return set()
    roles: set[Role] = set()
    if user_is_unoda(user):
        roles.add(Role.UNODA)
    if is_member(user, case.requesting_organization_id):
        roles.add(Role.RECIPIENT)
    donor_ids = donor_organization_ids(user) - {case.requesting_organization_id}
    if donor_ids and _has_object_perm(user, VIEW_PERM, case) and _visible_to_donor(case, donor_ids):
        roles.add(Role.DONOR)
    return roles


def can_view_request(user, case: AssistanceRequest) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user_is_unoda(user) or _has_object_perm(user, VIEW_PERM, case)


def can_edit_request(user, case: AssistanceRequest) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user_is_unoda(user):
        return case.status not in TERMINAL
    return case.status in RECIPIENT_EDITABLE and _has_object_perm(user, CHANGE_PERM, case)


def can_create_request(user, organization) -> bool:
    if not (user.is_authenticated and user.is_active) or not organization.is_recipient:
        return False
    return user_is_unoda(user) or is_member(user, organization.pk)


def can_start_a_request(user) -> bool:
    """Whether to offer "Write a new request": to UNODA (who write for any State) when some
    organization requests assistance, and to a member of such an organization
    (``can_create_request`` for one of them), from what the page has read: no query."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user_is_unoda(user):
        return recipients_exist()
    return any(m.organization.is_recipient for m in user_memberships(user))


def can_comment(user, case: AssistanceRequest) -> bool:
    """Anyone who may see the case may write a comment shared with its parties."""
    return can_view_request(user, case)


def can_comment_internally(user) -> bool:
    return bool(user.is_authenticated and user.is_active) and user_is_unoda(user)


def can_download_attachment(user, case: AssistanceRequest) -> bool:
    return can_view_request(user, case)


def can_fire(user, case: AssistanceRequest, transition: Transition) -> bool:
    return case.status in transition.source and bool(roles_for(user, case) & transition.roles)


def fireable(user, case: AssistanceRequest, transitions) -> list[Transition]:
    """The ones of ``transitions`` that ``user`` may fire on ``case`` now (``can_fire`` for
    each, with the user's roles on the case read once)."""
    transitions = [t for t in transitions if case.status in t.source]
    if not transitions:  # nothing to fire: no need to read the roles
        return []
    roles = roles_for(user, case)
    return [t for t in transitions if roles & t.roles]


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You are not allowed to do this."))
