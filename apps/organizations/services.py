"""Writes for organizations and memberships.

Each organization has its own Django group; every member of a donor organization is also in the
one "all donors" group, so that a case published to all donors needs one permission row.
User groups always follow Membership rows: call ``membership_sync_groups`` after any change.
"""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import ALL_DONORS_GROUP_NAME, Membership, Organization
from .selectors import forget_memberships


def _group_name(name: str) -> str:
    return f"org:{name}"[:150]


def all_donors_group() -> Group:
    group, _created = Group.objects.get_or_create(name=ALL_DONORS_GROUP_NAME)
    return group


@transaction.atomic
def organization_create(*, name: str, kind: str, region: str, **fields) -> Organization:
    organization = Organization(name=name, kind=kind, region=region, **fields)
    return organization_save(organization=organization)


@transaction.atomic
def organization_save(*, organization: Organization) -> Organization:
    """Validate and save an organization, giving a new one its own group, then resync members."""
    if organization.group_id is None:
        organization.group = Group.objects.create(name=_group_name(organization.name))
    organization.full_clean()
    organization.save()
    for membership in organization.memberships.select_related("user"):
        membership_sync_groups(user=membership.user)
    return organization


@transaction.atomic
def membership_add(*, user, organization: Organization, position: str = "") -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"position": position}
    )
    membership_sync_groups(user=user)
    return membership


@transaction.atomic
def membership_remove(*, user, organization: Organization) -> None:
    Membership.objects.filter(user=user, organization=organization).delete()
    membership_sync_groups(user=user)


def membership_sync_groups(*, user) -> None:
    """Make the user's organization groups (and the all-donors group) match their memberships."""
    forget_memberships(user)
    donors = all_donors_group()
    organizations = list(Organization.objects.filter(memberships__user=user))
    wanted = {org.group_id for org in organizations}
    if any(org.is_donor for org in organizations):
        wanted.add(donors.pk)
    managed = set(Group.objects.filter(organization__isnull=False).values_list("pk", flat=True)) | {
        donors.pk
    }
    current = set(user.groups.filter(pk__in=managed).values_list("pk", flat=True))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))
