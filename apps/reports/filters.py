"""The dashboard's filters: the same figures over fewer cases (issue 25, Must have 3)."""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.models import AssistanceRequest, Category
from apps.core.filters import PortalFilterSet
from apps.funding.models import FUNDED_STATUSES, Commitment, CooperationType
from apps.organizations.models import Organization, Region

MONTH = "%Y-%m"


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class DashboardFilter(PortalFilterSet):
    """Period (the months the requests were made in: the grain of the figures kept in SQL),
    region, category, type of cooperation of the agreement and, for UNODA only, donor (a firm
    commitment of that donor on the case: who funds what is not told to other donors or
    States). Categories and donors filter with
    ``EXISTS``, so a case is counted once however many it has."""

    made_from = django_filters.DateFilter(
        method="filter_made_from",
        label=_("Made from (month)"),
        input_formats=[MONTH],
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format=MONTH),
    )
    made_until = django_filters.DateFilter(
        method="filter_made_until",
        label=_("Made until (month)"),
        input_formats=[MONTH],
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format=MONTH),
    )
    region = django_filters.ChoiceFilter(
        field_name="requesting_organization__region",
        choices=Region.choices,
        label=_("Region"),
        empty_label=pgettext_lazy("filter: any region", "Any"),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_category",
        label=_("Category"),
        empty_label=pgettext_lazy("filter: any category", "Any"),
    )
    cooperation = django_filters.ChoiceFilter(
        field_name="agreement__cooperation_type",
        choices=CooperationType.choices,
        label=_("Type of cooperation"),
        empty_label=pgettext_lazy("filter: any type of cooperation", "Any"),
    )
    donor = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(is_donor=True).order_by("name"),
        method="filter_donor",
        label=_("Donor"),
        empty_label=pgettext_lazy("filter: any donor", "Any"),
    )

    class Meta:
        model = AssistanceRequest
        fields = ()

    def __init__(self, *args, full: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not full:
            del self.filters["donor"]

    def filter_made_from(self, queryset, name, value):
        return queryset.filter(created_at__date__gte=value.replace(day=1))

    def filter_made_until(self, queryset, name, value):
        return queryset.filter(created_at__date__lt=next_month(value))

    def filter_category(self, queryset, name, value):
        through = AssistanceRequest.categories.through
        return queryset.filter(
            Exists(through.objects.filter(assistancerequest=OuterRef("pk"), category=value))
        )

    def filter_donor(self, queryset, name, value):
        firm = Commitment.objects.filter(
            request=OuterRef("pk"), donor=value, status__in=FUNDED_STATUSES
        )
        return queryset.filter(Exists(firm))
