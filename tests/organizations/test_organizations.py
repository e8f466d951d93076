import pytest
from django.core.exceptions import ValidationError

from apps.organizations.models import ALL_DONORS_GROUP_NAME, Organization, OrganizationKind, Region
from apps.organizations.services import (
    membership_add,
    membership_remove,
    organization_create,
    organization_save,
)

from ..factories import UserFactory, make_organization

pytestmark = pytest.mark.django_db


def group_names(user):
    return set(user.groups.values_list("name", flat=True))


def test_each_organization_has_its_own_group():
    first = make_organization("Kenya", recipient=True, country="KE")
    second = make_organization("Ghana", recipient=True, country="GH")
    assert first.group != second.group
    assert first.group.name == "org:Kenya"


def test_a_state_needs_a_country():
    with pytest.raises(ValidationError, match="country"):
        organization_create(name="Nowhere", kind=OrganizationKind.STATE, region=Region.AFRICA)
    assert not Organization.objects.filter(name="Nowhere").exists()


def test_country_name_is_shown():
    org = make_organization("Kenya", recipient=True, country="KE")
    assert org.country.name == "Kenya"


def test_membership_follows_groups_and_donor_capacity():
    donor = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    user = UserFactory()
    membership_add(user=user, organization=donor)
    assert group_names(user) == {"org:Japan", ALL_DONORS_GROUP_NAME}
    donor.is_donor = False
    organization_save(organization=donor)
    assert group_names(user) == {"org:Japan"}
    membership_remove(user=user, organization=donor)
    assert group_names(user) == set()


def test_one_organization_can_be_recipient_and_donor():
    both = make_organization(
        "Brazil", recipient=True, donor=True, country="BR", region=Region.AMERICAS
    )
    user = UserFactory()
    membership_add(user=user, organization=both)
    assert group_names(user) == {"org:Brazil", ALL_DONORS_GROUP_NAME}


def test_memberships_read_once_per_user_and_forgotten_on_change(django_assert_num_queries):
    from apps.organizations.selectors import donor_organization_ids, is_member

    donor = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    recipient = make_organization("Kenya", recipient=True, country="KE")
    user = UserFactory()
    assert not is_member(user, donor.pk)
    membership_add(user=user, organization=donor)
    with django_assert_num_queries(1):  # the permission questions of a page: one read
        assert is_member(user, donor.pk)
        assert not is_member(user, recipient.pk)
        assert donor_organization_ids(user) == {donor.pk}
    membership_add(user=user, organization=recipient)
    assert is_member(user, recipient.pk)
    assert donor_organization_ids(user) == {donor.pk}
    membership_remove(user=user, organization=donor)
    assert not is_member(user, donor.pk)
    assert donor_organization_ids(user) == set()


def test_memberships_are_kept_on_the_user_behind_a_lazy_request_user():
    """request.user is a lazy wrapper: the memberships read through it are kept on the user
    itself, so that forgetting them on the user (as the services do) forgets them."""
    from django.utils.functional import SimpleLazyObject

    from apps.organizations.models import Membership
    from apps.organizations.selectors import forget_memberships, is_member, user_memberships

    donor = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    user = UserFactory()
    lazy = SimpleLazyObject(lambda: user)
    assert user_memberships(lazy) == []
    assert "_portal_memberships" in user.__dict__
    Membership.objects.create(user=user, organization=donor)
    assert not is_member(lazy, donor.pk)  # still the request's first read
    forget_memberships(user)
    assert is_member(lazy, donor.pk)


def test_an_iati_identifier_names_one_organization_and_has_an_agency_prefix():
    japan = make_organization("Japan", donor=True, country="JP")
    japan.iati_identifier = "XM-DAC-701"
    organization_save(organization=japan)
    kenya = make_organization("Kenya", recipient=True, country="KE")
    kenya.iati_identifier = "XM-DAC-701"
    with pytest.raises(ValidationError, match="Another organization has this IATI identifier"):
        organization_save(organization=kenya)
    for wrong in ("701", "XM DAC 701", "XM-DAC/701"):
        kenya.iati_identifier = wrong
        with pytest.raises(ValidationError) as refused:
            organization_save(organization=kenya)
        assert "iati_identifier" in refused.value.message_dict
    # Organisations without one are many: an empty identifier is no identifier.
    kenya.iati_identifier = ""
    organization_save(organization=kenya)
    assert Organization.objects.filter(iati_identifier="").count() == 1
