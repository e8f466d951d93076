import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from apps.cases.currencies import currency_choices
from apps.cases.models import (
    AssistanceRequest,
    Attachment,
    AttachmentKind,
    Comment,
    CommentVisibility,
    Indicator,
    Result,
    ResultLevel,
    Status,
)
from apps.core.filters import PortalFilterSet
from apps.followup import selectors as followup_selectors
from apps.followup.models import (
    Feedback,
    FeedbackStatus,
    Lesson,
    Milestone,
    PartyRole,
    ProgressReport,
    ProgressStatus,
)
from apps.funding.models import (
    Commitment,
    CommitmentStatus,
    ExchangeRate,
    ExpressionOfInterest,
    InterestStatus,
    MatchmakingMeeting,
    MeetingDecision,
    MeetingItem,
    Offer,
)
from apps.funding.selectors import exchange_rates_in_force
from apps.notifications.models import Notification
from apps.organizations.models import Organization, Region


@extend_schema_field(
    {
        "type": "integer",
        "minimum": 2000,
        "maximum": 2100,
        "description": "Year the request was created.",
    }
)
class YearFilter(django_filters.NumberFilter):
    """A whole year (a decimal such as 2026.5 is a 400, as any bad filter)."""

    field_class = forms.IntegerField


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false``, as the schema's boolean is sent; anything else is a 400, not
    silently ignored (the select widget's own reading would turn it into "unknown")."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(_("Give true or false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class RequestFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    region = django_filters.ChoiceFilter(
        field_name="requesting_organization__region", choices=Region.choices
    )
    category = django_filters.CharFilter(
        field_name="categories__code", distinct=True, max_length=60, help_text="A category code."
    )
    year = YearFilter(
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
    is_active = BooleanFilter()

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
    is_donor = BooleanFilter()
    is_recipient = BooleanFilter()

    class Meta:
        model = Organization
        fields = ("region", "is_donor", "is_recipient")


class CommentFilter(PortalFilterSet):
    visibility = django_filters.ChoiceFilter(choices=CommentVisibility.choices)

    class Meta:
        model = Comment
        fields = ("visibility",)


class AttachmentFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=AttachmentKind.choices)

    class Meta:
        model = Attachment
        fields = ("kind",)


class ResultFilter(PortalFilterSet):
    level = django_filters.ChoiceFilter(choices=ResultLevel.choices)

    class Meta:
        model = Result
        fields = ("level",)


class IdFilter(django_filters.NumberFilter):
    """A row's id (a whole number)."""

    field_class = forms.IntegerField


class IndicatorFilter(PortalFilterSet):
    result = IdFilter(field_name="result_id", help_text="The id of the result (outcome or output).")

    class Meta:
        model = Indicator
        fields = ("result",)


class MilestoneFilter(PortalFilterSet):
    done = BooleanFilter(
        field_name="completed_on", lookup_expr="isnull", exclude=True, help_text="Marked done."
    )

    class Meta:
        model = Milestone
        fields = ("done",)


class ProgressReportFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=ProgressStatus.choices)

    class Meta:
        model = ProgressReport
        fields = ("status",)


class FeedbackFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=FeedbackStatus.choices)
    role = django_filters.ChoiceFilter(choices=PartyRole.choices)

    class Meta:
        model = Feedback
        fields = ("status", "role")


class LessonFilter(PortalFilterSet):
    """The lessons-learned page's search: the one selector (``lesson_list``) applies it."""

    q = django_filters.CharFilter(
        method="_selector", max_length=200, help_text="Words of the title or the lesson."
    )
    category = django_filters.CharFilter(
        method="_selector", max_length=60, help_text="A category code."
    )
    region = django_filters.ChoiceFilter(method="_selector", choices=Region.choices)

    class Meta:
        model = Lesson
        fields = ("q", "category", "region")

    def _selector(self, queryset, name, value):
        lessons = followup_selectors.lesson_list(filters={name: value})
        return queryset.filter(pk__in=lessons.values("pk"))


class MeetingItemFilter(PortalFilterSet):
    decision = django_filters.ChoiceFilter(choices=MeetingDecision.choices)

    class Meta:
        model = MeetingItem
        fields = ("decision",)


class MeetingFilter(PortalFilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = MatchmakingMeeting
        fields = ("date_from", "date_to")


class ExchangeRateFilter(PortalFilterSet):
    currency = django_filters.ChoiceFilter(choices=currency_choices())
    in_force = BooleanFilter(
        method="_in_force", help_text="Only the rate in force today for each currency."
    )

    class Meta:
        model = ExchangeRate
        fields = ("currency", "in_force")

    def _in_force(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=exchange_rates_in_force().values("pk"))


class NotificationFilter(PortalFilterSet):
    unread = BooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="Not read yet.")

    class Meta:
        model = Notification
        fields = ("unread",)


class FilterBackend(DjangoFilterBackend):
    """django-filter's, but a filter given with no value is a 400 as a bad value is (an
    empty ``?status=`` is not a status; the schema's values are never empty)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = sorted(
                name
                for name in filterset_class.base_filters
                if name in request.query_params and request.query_params.get(name) == ""
            )
            if empty:
                raise ValidationError(
                    {name: [_("Give a value, or leave it out.")] for name in empty}
                )
        return super().filter_queryset(request, queryset, view)


class Ordering(OrderingFilter):
    """``?ordering=field`` or ``-field`` (several, comma-separated) among the view's
    ``ordering_fields``; a view without them has no ordering parameter. Anything else is a
    400, as a bad filter is. The primary key always breaks ties, so pages do not overlap."""

    def get_ordering(self, request, queryset, view):
        fields = getattr(view, "ordering_fields", None)
        if not fields:
            return None
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return None
        terms = raw.split(",")
        wrong = [term for term in terms if term.lstrip("-") not in fields]
        if wrong or not terms:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("Order by one of: %(fields)s (a leading “-” for descending).")
                        % {"fields": ", ".join(fields)}
                    ]
                }
            )
        return [*terms, "-pk" if terms[-1].startswith("-") else "pk"]

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None)
        if not fields:
            return []
        choices = [value for field in fields for value in (field, f"-{field}")]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Order by this field (a leading `-`: descending); several, "
                "comma-separated. One of: " + ", ".join(choices) + ".",
                "schema": {
                    "type": "string",
                    "maxLength": 200,
                    "pattern": "^{one}(?:,{one})*$".format(one=f"-?(?:{'|'.join(fields)})"),
                },
            }
        ]
