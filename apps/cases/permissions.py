"""Who may see and do what on a case. Services, views, templates and the admin all ask here.

What a user is to a case is worked out once, as a ``CaseAccess`` value (as zulip's
``access_*`` helpers do): pages fetch it with ``selectors.case_access`` (the one scope),
services build theirs from the locked row with ``access_of``. The permission functions take it.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker

from apps.organizations.selectors import (
    donor_organization_ids,
    is_member,
    member_organization_ids,
    recipients_exist,
    user_is_unoda,
    user_memberships,
)

from .models import AssistanceRequest
from .workflow import ALL_DONORS, RECIPIENT_EDITABLE, TERMINAL, Role, Transition, admitted_donors

VIEW_PERM = "cases.view_assistancerequest"
CHANGE_PERM = "cases.change_assistancerequest"
VIEW_CODENAME, CHANGE_CODENAME = VIEW_PERM.split(".")[1], CHANGE_PERM.split(".")[1]


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


@dataclass
class CaseAccess:
    """What ``user`` is to ``case``: its roles and its object permissions, each read once
    when first asked for."""

    user: object
    case: AssistanceRequest

    @cached_property
    def perms(self) -> frozenset[str]:
        """The user's object permissions on the case (django-guardian, its groups included;
        global permissions never count)."""
        if not _active(self.user):
            return frozenset()
        return frozenset(ObjectPermissionChecker(self.user).get_perms(self.case))

    @cached_property
    def is_unoda(self) -> bool:
        return user_is_unoda(self.user)

    @cached_property
    def may_view(self) -> bool:
        return self.is_unoda or VIEW_CODENAME in self.perms

    @cached_property
    def roles(self) -> frozenset[Role]:
        if not _active(self.user):
            return frozenset()
        case, roles = self.case, set()
        if self.is_unoda:
            roles.add(Role.UNODA)
        if is_member(self.user, case.requesting_organization_id):
            roles.add(Role.RECIPIENT)
        donor_ids = donor_organization_ids(self.user) - {case.requesting_organization_id}
        if donor_ids and self.may_view:
            admitted = admitted_donors(case)
            if admitted == ALL_DONORS or donor_ids & admitted:
                roles.add(Role.DONOR)
        others = member_organization_ids(self.user) - {case.requesting_organization_id}
        if others and self.may_view and _implements(case, others):
            roles.add(Role.PARTNER)
        return frozenset(roles)


def _implements(case: AssistanceRequest, organization_ids: set[int]) -> bool:
    """Whether one of ``organization_ids`` is the implementing partner of the case's
    agreement (read through the relation: this app does not import the follow-up)."""
    return AssistanceRequest.objects.filter(
        pk=case.pk, agreement__implementing_partner_id__in=organization_ids
    ).exists()


def access_of(user, case: AssistanceRequest) -> CaseAccess:
    """``user``'s access to ``case`` (for services: from the locked row)."""
    return CaseAccess(user=user, case=case)


def can_view_request(access: CaseAccess) -> bool:
    return access.may_view


def can_edit_request(access: CaseAccess) -> bool:
    if not _active(access.user):
        return False
    if access.is_unoda:
        return access.case.status not in TERMINAL
    return access.case.status in RECIPIENT_EDITABLE and CHANGE_CODENAME in access.perms


def can_create_request(user, organization) -> bool:
    if not _active(user) or not organization.is_recipient:
        return False
    return user_is_unoda(user) or is_member(user, organization.pk)


def can_start_a_request(user) -> bool:
    """Whether to offer "Write a new request": to UNODA (who write for any State) when some
    organization requests assistance, and to a member of such an organization."""
    if not _active(user):
        return False
    if user_is_unoda(user):
        return recipients_exist()
    return any(m.organization.is_recipient for m in user_memberships(user))


def can_comment(access: CaseAccess) -> bool:
    """Anyone who may see the case may write a comment shared with its parties."""
    return access.may_view


def can_comment_internally(user) -> bool:
    return _active(user) and user_is_unoda(user)


def can_link_cases(user) -> bool:
    """Linking cases (and reading the links' notes) is UNODA's."""
    return _active(user) and user_is_unoda(user)


def can_translate_request(user) -> bool:
    return _active(user) and user_is_unoda(user)


def can_view_translations(access: CaseAccess) -> bool:
    """UNODA, who translate, and the requesting State, who wrote the original and may check
    how it reads in the other languages (read-only)."""
    if not access.may_view:
        return False
    return access.is_unoda or is_member(access.user, access.case.requesting_organization_id)


def can_download_attachment(access: CaseAccess) -> bool:
    return access.may_view


def fireable(access: CaseAccess, transitions) -> list[Transition]:
    """The ones of ``transitions`` that the user may fire on the case now."""
    transitions = [t for t in transitions if access.case.status in t.source]
    if not transitions:  # nothing to fire: no need to read the roles
        return []
    return [t for t in transitions if access.roles & t.roles]


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You are not allowed to do this."))
