import django_filters

from apps.cases.models import AssistanceRequest, Status
from apps.core.filters import PortalFilterSet
from apps.funding.models import (
    Commitment,
    CommitmentStatus,
    ExpressionOfInterest,
    InterestStatus,
    Offer,
)
from apps.organizations.models import Organization, Region


class RequestFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    region = django_filters.ChoiceFilter(
        field_name="requesting_organization__region", choices=Region.choices
    )
    category = django_filters.CharFilter(
        field_name="categories__code", distinct=True, max_length=60, help_text="A category code."
    )
    year = django_filters.NumberFilter(
        field_name="created_at",
        lookup_expr="year",
        min_value=2000,
        max_value=2100,
        help_text="Year the request was created.",
    )

    class Meta:
        model = AssistanceRequest
        fields = ("status", "region", "category", "year")


class OfferFilter(PortalFilterSet):
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Offer
        fields = ("is_active",)


class InterestFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=InterestStatus.choices)
    request = django_filters.CharFilter(field_name="request__reference", max_length=20)

    class Meta:
        model = ExpressionOfInterest
        fields = ("status", "request")


class CommitmentFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=CommitmentStatus.choices)
    request = django_filters.CharFilter(
        field_name="request__reference", max_length=20, help_text="A case reference."
    )

    class Meta:
        model = Commitment
        fields = ("status", "request")


class OrganizationFilter(PortalFilterSet):
    region = django_filters.ChoiceFilter(choices=Region.choices)
    is_donor = django_filters.BooleanFilter()
    is_recipient = django_filters.BooleanFilter()

    class Meta:
        model = Organization
        fields = ("region", "is_donor", "is_recipient")
