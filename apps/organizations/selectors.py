from .models import Membership, Organization

_MEMBERSHIPS = "_portal_memberships"
_GROUPS = "_portal_group_ids"


def recipients_exist() -> bool:
    """Whether any organization requests assistance."""
    return Organization.objects.filter(is_recipient=True).exists()


def user_is_unoda(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_unoda_officer or user.is_superuser)
    )


def user_memberships(user) -> list[Membership]:
    """The user's memberships, each with its organization: read once for the user object, as
    Django keeps the user's permissions on it (a request's user answers every membership
    question of its page from one read). The cache belongs to that object (set through
    ``request.user``'s lazy wrapper, on the user itself); ``forget_memberships`` after a
    change, as the membership services do."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _MEMBERSHIPS, None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).select_related("organization"))
        setattr(user, _MEMBERSHIPS, cached)
    return cached


def user_group_ids(user) -> list[int]:
    """The keys of the user's groups, read once for the user object as its memberships are
    (``forget_memberships`` forgets both)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _GROUPS, None)
    if cached is None:
        cached = list(user.groups.values_list("pk", flat=True))
        setattr(user, _GROUPS, cached)
    return cached


def forget_memberships(user) -> None:
    for name in (_MEMBERSHIPS, _GROUPS):
        if hasattr(user, name):
            delattr(user, name)


def organization_ids(**filters) -> list[int]:
    """The keys of the organizations that ``filters`` select, as values. A list of cases
    filtered by them (``requesting_organization_id__in``) is planned on the cases' own indexes,
    where a join on the organization reads every case of the other conditions first."""
    return list(Organization.objects.filter(**filters).values_list("pk", flat=True))


def member_organization_ids(user) -> set[int]:
    return {membership.organization_id for membership in user_memberships(user)}


def donor_organization_ids(user) -> set[int]:
    return {m.organization_id for m in user_memberships(user) if m.organization.is_donor}


def is_member(user, organization_id) -> bool:
    return organization_id in member_organization_ids(user)
