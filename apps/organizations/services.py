"""Writes for organizations and memberships.

Each organization has its own Django group; every member of a donor organization is also in the
one "all donors" group, so that a case published to all donors needs one permission row.
User groups always follow Membership rows: call ``membership_sync_groups`` after any change.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from apps.core.history import by

from .models import ALL_DONORS_GROUP_NAME, Membership, Organization, OrganizationKind
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
def organization_save(*, organization: Organization, actor=None) -> Organization:
    """Validate and save an organization, giving a new one its own group, then resync members.
    ``actor``: who made the change, kept with its history."""
    if organization.kind == OrganizationKind.STATE and organization.country:
        _name_after_country(organization)
    else:
        _untranslated_as_english(organization)
    if organization.group_id is None:
        organization.group = Group.objects.create(name=_group_name(organization.name))
    organization.full_clean()
    by(organization, actor)
    organization.save()
    for membership in organization.memberships.select_related("user"):
        membership_sync_groups(user=membership.user)
    return organization


def _name_after_country(organization: Organization) -> None:
    """A State's name in each language is the UN's short name of its country, so that lists
    read and sort by the names the UN uses (settings.COUNTRIES_OVERRIDE)."""
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            name = str(organization.country.name)
        setattr(organization, build_localized_fieldname("name", language), name)
    with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
        organization.name = organization.name_en


def _untranslated_as_english(organization: Organization) -> None:
    """A name or acronym not given in a language is the English one (a proper name such as
    Small Arms Survey), so every list reads and sorts by a name in every language; a copy left
    from the English follows it when the English changes."""
    previous = {}
    if organization.pk:
        previous = (
            Organization.objects.filter(pk=organization.pk).values("name_en", "acronym_en").first()
            or {}
        )
    for field in ("name", "acronym"):
        english = getattr(organization, f"{field}_en") or ""
        for language, _label in settings.LANGUAGES:
            localized = build_localized_fieldname(field, language)
            value = getattr(organization, localized)
            if not value or value == previous.get(f"{field}_en"):
                setattr(organization, localized, english)


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
