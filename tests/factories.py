import factory
from django.contrib.auth import get_user_model

from apps.organizations.models import OrganizationKind, Region
from apps.organizations.services import membership_add, organization_create

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password(PASSWORD)


def make_organization(
    name,
    *,
    recipient=False,
    donor=False,
    kind=OrganizationKind.STATE,
    country="SL",
    region=Region.AFRICA,
):
    return organization_create(
        name=name,
        kind=kind,
        country=country,
        region=region,
        is_recipient=recipient,
        is_donor=donor,
    )


def make_member(organization, **kwargs):
    user = UserFactory(**kwargs)
    membership_add(user=user, organization=organization)
    return user
