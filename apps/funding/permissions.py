"""Who may see and do what on the donor side. Services, selectors, views and the admin ask here."""

from apps.cases.models import AssistanceRequest
from apps.cases.permissions import is_member, require  # noqa: F401 - re-exported for services
from apps.cases.workflow import (
    ALL_DONORS,
    DONOR_VISIBLE,
    FUNDING_UPDATABLE,
    OPEN_NEEDS,
    Role,
    admitted_donors,
)
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda, user_memberships


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def organization_may_see_request(organization: Organization, case: AssistanceRequest) -> bool:
    """Whether the visibility of ``case`` admits the donor ``organization``."""
    if not organization.is_donor or organization.pk == case.requesting_organization_id:
        return False
    admitted = admitted_donors(case)
    return admitted == ALL_DONORS or organization.pk in admitted


def can_use_donor_pages(user) -> bool:
    """The published needs and the offers and funding desk are for donors' members and UNODA;
    a State official is never shown donor pages."""
    if not _active(user):
        return False
    return user_is_unoda(user) or any(m.organization.is_donor for m in user_memberships(user))


def can_act_for_donor(user, organization: Organization) -> bool:
    """Members of a donor organization act for it; UNODA records on a donor's behalf."""
    if not _active(user) or not organization.is_donor:
        return False
    return user_is_unoda(user) or is_member(user, organization.pk)


def can_manage_offer(user, organization: Organization) -> bool:
    """Offers are written by the donor's own members only (and system administrators)."""
    if not _active(user) or not organization.is_donor:
        return False
    return user.is_superuser or is_member(user, organization.pk)


def can_express_interest(user, organization: Organization, case: AssistanceRequest) -> bool:
    return (
        can_act_for_donor(user, organization)
        and case.status in OPEN_NEEDS
        and organization_may_see_request(organization, case)
    )


def can_record_commitment(user, organization: Organization, case: AssistanceRequest) -> bool:
    if not can_act_for_donor(user, organization):
        return False
    if not organization_may_see_request(organization, case):
        return False
    # UNODA may record funding for the record at any stage a donor could see the case.
    return case.status in (DONOR_VISIBLE if user_is_unoda(user) else OPEN_NEEDS)


def can_add_tranche(user, commitment) -> bool:
    """Whether the user may add a tranche beside ``commitment`` (same donor and request): as
    for recording funding, the visibility being checked again by the service."""
    if not can_act_for_donor(user, commitment.donor):
        return False
    return commitment.request.status in (DONOR_VISIBLE if user_is_unoda(user) else OPEN_NEEDS)


def can_update_commitment(user, commitment) -> bool:
    if not can_act_for_donor(user, commitment.donor):
        return False
    allowed = DONOR_VISIBLE if user_is_unoda(user) else FUNDING_UPDATABLE
    return commitment.request.status in allowed


def can_manage_meetings(user) -> bool:
    return user_is_unoda(user)


def can_ask_offer_referral(user, case: AssistanceRequest) -> bool:
    """A member of the requesting State asks UNODA to bring a donor's offer to its own request,
    while the request may still receive help (an open need: published, with donor interest,
    or seeking co-funding)."""
    return (
        _active(user)
        and is_member(user, case.requesting_organization_id)
        and case.status in OPEN_NEEDS
    )


def can_see_best_offers(access) -> bool:
    """UNODA and the requesting State see the offers that fit a request best, ranked with the
    reasons (every donor's offers: not shown to a donor)."""
    return access.is_unoda or Role.RECIPIENT in access.roles


def can_handle_offer_referrals(user) -> bool:
    """UNODA brings an offer to a request, or declines to, when a State asks."""
    return user_is_unoda(user)
