"""Serializers check the shape of the data only; the services check the rules."""

import re
from collections.abc import Mapping
from decimal import Decimal

from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from apps.cases.currencies import currency_choices
from apps.cases.history import history_sentences
from apps.cases.models import (
    DUPLICATE_DECISIONS,
    Activity,
    AssistanceKind,
    AssistanceRequest,
    Attachment,
    AttachmentKind,
    Category,
    Comment,
    CommentVisibility,
    HistoryEvent,
    Indicator,
    IndicatorMeasure,
    NationalDocument,
    Result,
    ResultLevel,
    Status,
    StatusChange,
)
from apps.cases.selectors import request_list
from apps.cases.workflow import TRANSITIONS
from apps.core.text import TEXT_MAX_LENGTH, PlainTextValidator
from apps.followup.models import (
    RATING_FIELDS,
    Agreement,
    AgreementChange,
    AgreementChangeKind,
    AgreementDocument,
    Feedback,
    FeedbackWaiver,
    Lesson,
    Milestone,
    ProgressReport,
    ProgressReportAttachment,
    ProgressStatus,
)
from apps.funding.models import (
    Commitment,
    CommitmentStatus,
    CooperationType,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    MatchmakingMeeting,
    MeetingDecision,
    MeetingItem,
    Offer,
)
from apps.notifications.models import Notification
from apps.organizations.models import Organization, Region

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}


def decimal_pattern(field: serializers.DecimalField) -> str:
    """A decimal as the field takes it: at most its digits before and after the point, never
    negative where its minimum is zero or more, never zero where its minimum is its smallest
    step (0.01 for money)."""
    whole = field.max_digits - field.decimal_places if field.max_digits else 30
    places = field.decimal_places or 0
    fraction = rf"(?:\.[0-9]{{0,{places}}})?" if places else ""
    minimum = field.min_value
    if minimum is not None and places and minimum == Decimal(1).scaleb(-places):
        # Not zero: a digit 1-9 before the point, or only after it.
        after = "|".join(
            rf"0{{{zeros}}}[1-9][0-9]{{0,{places - zeros - 1}}}" for zeros in range(places)
        )
        return rf"^0*(?:[1-9][0-9]{{0,{whole - 1}}}{fraction}|(?:0?)\.(?:{after}))$"
    number = (
        rf"(?:[0-9]{{1,{whole}}}{fraction}|\.[0-9]{{1,{places}}})"
        if places
        else (rf"[0-9]{{1,{whole}}}")
    )
    sign = "" if minimum is not None and minimum >= 0 else "-?"
    return rf"^{sign}{number}$"


# A web address the API takes (a subset of what Django's URLValidator does): https or http, a
# host name with a dot, an optional port and path; empty where the field may be blank.
URL_PATTERN = r"^(?:https?://[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)*\.[a-z]{2,10}(?::[1-9][0-9]{0,3})?(?:/[A-Za-z0-9._~%/-]{0,100})?)?$"


def value_pattern(field: serializers.Field) -> str | None:
    """The pattern the schema gives a decimal or a web address, which the server holds to."""
    if isinstance(field, serializers.DecimalField):
        return decimal_pattern(field)
    if isinstance(field, serializers.URLField):
        return URL_PATTERN
    return None


def json_type(field: serializers.Field) -> type | tuple[type, ...] | None:
    """The JSON type the schema gives ``field`` (None: no check, e.g. a file)."""
    if isinstance(field, serializers.BooleanField):
        return bool
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return int
    if isinstance(field, serializers.ListField | serializers.ManyRelatedField):
        return list
    if isinstance(field, serializers.ChoiceField):
        kinds = {type(value) for value in field.choices}
        return str if kinds <= {str} else int if kinds <= {int} else None
    if isinstance(
        field,
        serializers.CharField
        | serializers.DecimalField
        | serializers.DateField
        | serializers.DateTimeField
        | serializers.SlugRelatedField,
    ):
        return str
    return None


def _wrong_type(field: serializers.Field, value) -> bool:
    if value is None:
        return False  # null: the field's own ``allow_null`` decides
    expected = json_type(field)
    if expected is None:
        return False
    if expected is int and isinstance(value, bool):
        return True
    if not isinstance(value, expected):
        return True
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    return expected is list and child is not None and any(_wrong_type(child, v) for v in value)


class StrictMixin:
    """Unknown (or read-only) fields in a request body are a 400, never silently dropped; in a
    JSON body, a value of another JSON type than the schema's (a number for a text, a text for
    a number or a boolean) is a 400 too, not converted: what the schema refuses, the server
    refuses. (Multipart bodies carry text only: their values are converted as forms' are.)"""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            # A list of objects in a multipart form comes as "actuals[0]value" (DRF's form).
            unknown = sorted(
                key
                for key in set(data) - writable
                if not (
                    (listed := re.match(r"^(\w+)\[[0-9]+\]", str(key)))
                    and listed.group(1) in writable
                )
            )
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("Unknown field: it cannot be set here.")] for key in unknown}
                )
            # JSON (a multipart body is a QueryDict, a list of objects in it MultiValueDicts)
            if not isinstance(data, MultiValueDict):
                wrong = sorted(
                    name for name, value in data.items() if _wrong_type(self.fields[name], value)
                )
                if wrong:
                    raise serializers.ValidationError(
                        {name: [_("A value of the wrong type.")] for name in wrong}
                    )
            unlike = sorted(
                name
                for name, value in data.items()
                if isinstance(value, str)
                and name in self.fields  # not "actuals[0]value": its own serializer checks it
                and (pattern := value_pattern(self.fields[name]))
                and not re.match(pattern, value)
                and not (value == "" and getattr(self.fields[name], "allow_blank", False))
            )
            if unlike:
                raise serializers.ValidationError(
                    {
                        name: [_("Not in the form the schema gives (its pattern).")]
                        for name in unlike
                    }
                )
        return super().to_internal_value(data)


def plain_text_field(field: serializers.Field) -> None:
    """A writable text field follows the portal's rule for text (``apps.core.text``), as the
    forms do (``apps.core.forms.plain_text_field``): control characters refused, and a length
    limit, ``TEXT_MAX_LENGTH`` unless it has its own (shown in the schema as ``maxLength``)."""
    if not isinstance(field, serializers.CharField) or field.read_only:
        return
    if any(isinstance(validator, PlainTextValidator) for validator in field.validators):
        return
    # The rule refuses NUL and lone surrogates too: one message, not DRF's besides.
    field.validators = [
        validator
        for validator in field.validators
        if not isinstance(
            validator, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator
        )
    ]
    field.validators.append(PlainTextValidator())
    if field.max_length is None:
        field.max_length = TEXT_MAX_LENGTH
        message = field.error_messages["max_length"].format(max_length=TEXT_MAX_LENGTH)
        field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH, message=message))


class PlainTextMixin:
    """Every writable text field of the serializer, in a list too, follows
    ``plain_text_field``."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            plain_text_field(getattr(field, "child", field))
        return fields


class Input(StrictMixin, PlainTextMixin, serializers.Serializer):
    """The base of every serializer that reads a request's body."""


class CodeField(serializers.SlugRelatedField):
    """A row by its code: a value that cannot be a code (a NUL character, which the database
    cannot even compare) does not exist, as any unknown code."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


REFERENCE_PATTERN = r"^REQ-[0-9]{4}-[0-9]{1,10}$"


@extend_schema_field(
    {
        "type": "string",
        "description": "A case reference, e.g. REQ-2026-0042.",
        "maxLength": 20,
        "pattern": REFERENCE_PATTERN,
    }
)
class VisibleRequestField(CodeField):
    """A case by reference, among those the caller may see (others do not exist for them)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="reference", **kwargs)

    def get_queryset(self):
        return request_list(user=self.context["request"].user)


def _codes(model):
    return CodeField(slug_field="code", many=True, required=False, queryset=model.objects.all())


# --- Organizations -----------------------------------------------------------------------------


class OrganizationSerializer(CountryFieldMixin, serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "name", "acronym", "kind", "country", "region", "is_recipient", "is_donor")


# --- Requests ----------------------------------------------------------------------------------

PROPOSAL_TEXT = (
    "summary",
    "background",
    "objectives",
    "activities",
    "expected_results",
    "beneficiaries",
    "national_ownership",
    "sustainability",
    "risks",
)


class RequestSerializer(serializers.ModelSerializer):
    requesting_organization = serializers.PrimaryKeyRelatedField(read_only=True)
    requesting_organization_name = serializers.CharField(
        source="requesting_organization.name", read_only=True
    )
    region = serializers.ChoiceField(
        source="requesting_organization.region", choices=Region.choices, read_only=True
    )
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Category codes."
    )
    kinds = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the kinds of help."
    )
    budget_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    national_report_url = serializers.CharField(help_text="A URL, or empty.")
    national_document = serializers.ChoiceField(
        choices=NationalDocument.choices,
        allow_blank=True,
        help_text="The national document the request comes from; empty: none given.",
    )

    class Meta:
        model = AssistanceRequest
        fields = (
            "reference",
            "status",
            "status_changed_at",
            "requesting_organization",
            "requesting_organization_name",
            "region",
            "title",
            *PROPOSAL_TEXT,
            "categories",
            "kinds",
            "budget_amount",
            "budget_currency",
            "duration_months",
            "priority",
            "national_document",
            "national_document_title",
            "national_document_year",
            "poa_cycle",
            "national_report_url",
            "visibility",
            "due_date",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ActivityLineSerializer(serializers.ModelSerializer):
    estimated_cost = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="In the request's budget currency; null when not estimated.",
    )
    output = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The id of the output the activity serves."
    )

    class Meta:
        model = Activity
        fields = ("id", "position", "description", "estimated_cost", "output")
        read_only_fields = fields


# --- The results framework ---------------------------------------------------------------------

_INDICATOR_VALUE = {"max_digits": 14, "decimal_places": 2, "allow_null": True}
ID_MAX = 2**63 - 1  # a row's id (a 64-bit key)


class IndicatorSerializer(serializers.ModelSerializer):
    result = serializers.PrimaryKeyRelatedField(read_only=True)
    template = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The common indicator it was made from."
    )
    measure = serializers.ChoiceField(
        choices=IndicatorMeasure.choices, help_text="1: units, 2: percentage (IATI codes)."
    )
    baseline_value = serializers.DecimalField(**_INDICATOR_VALUE)
    target_value = serializers.DecimalField(**_INDICATOR_VALUE)
    is_measurable = serializers.BooleanField(
        read_only=True,
        help_text="A unit (or a percentage), a baseline and a target with its date: what the "
        "completeness check counts per outcome.",
    )

    class Meta:
        model = Indicator
        fields = (
            "id",
            "result",
            "position",
            "name",
            "unit",
            "measure",
            "ascending",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "means_of_verification",
            "by_sex",
            "template",
            "is_measurable",
        )
        read_only_fields = fields


class ResultSerializer(serializers.ModelSerializer):
    outcome = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="For an output: the outcome it serves."
    )
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Result
        fields = ("id", "level", "statement", "outcome", "position", "indicators")
        read_only_fields = fields


class OutcomeSerializer(ResultSerializer):
    outputs = ResultSerializer(
        source="served", many=True, read_only=True, help_text="The outputs serving it."
    )

    class Meta(ResultSerializer.Meta):
        fields = (*ResultSerializer.Meta.fields, "outputs")
        read_only_fields = fields


class FrameworkSerializer(serializers.Serializer):
    outcomes = OutcomeSerializer(many=True, read_only=True)
    other_outputs = ResultSerializer(
        many=True, read_only=True, help_text="The outputs that serve no outcome."
    )


class RequestDetailSerializer(RequestSerializer):
    """One case: the list's fields, its activity lines (read-only; the lines are edited
    with the proposal in the portal's pages) and its results framework (written through
    ``results/`` and ``indicators/`` under the case)."""

    activity_lines = ActivityLineSerializer(many=True, read_only=True)
    results_framework = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = (*RequestSerializer.Meta.fields, "activity_lines", "results_framework")
        read_only_fields = fields

    @extend_schema_field(FrameworkSerializer)
    def get_results_framework(self, case) -> dict:
        from apps.cases.selectors import results_framework

        return FrameworkSerializer(results_framework(case)).data


class ResultCreateSerializer(Input):
    level = serializers.ChoiceField(choices=ResultLevel.choices)
    statement = serializers.CharField(max_length=2000)
    outcome = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_MAX,
        help_text="For an output: the id of one of the request's outcomes it serves.",
    )


class ResultUpdateSerializer(Input):
    statement = serializers.CharField(max_length=2000, required=False)
    outcome = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_MAX,
        help_text="For an output: the id of the outcome it serves; null: none.",
    )


class IndicatorUpdateSerializer(Input):
    name = serializers.CharField(max_length=250, required=False)
    unit = serializers.CharField(max_length=60, required=False, allow_blank=True)
    measure = serializers.ChoiceField(
        choices=IndicatorMeasure.choices,
        required=False,
        help_text="1: units, 2: percentage (from 0 to 100).",
    )
    ascending = serializers.BooleanField(
        required=False, help_text="False where the aim is to bring the value down."
    )
    baseline_value = serializers.DecimalField(
        **_INDICATOR_VALUE, min_value=Decimal(0), required=False
    )
    baseline_date = serializers.DateField(required=False, allow_null=True)
    target_value = serializers.DecimalField(
        **_INDICATOR_VALUE, min_value=Decimal(0), required=False
    )
    target_date = serializers.DateField(
        required=False, allow_null=True, help_text="After the baseline date."
    )
    means_of_verification = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    by_sex = serializers.BooleanField(required=False)


class IndicatorCreateSerializer(IndicatorUpdateSerializer):
    result = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        help_text="The id of one of the request's results (outcome or output).",
    )
    template = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_MAX,
        help_text="The id of a common indicator of the request's categories to start from "
        "(its texts in the language of the request, `Accept-Language`); the fields given "
        "override it. Without it, `name` is required.",
    )


class RequestWriteSerializer(Input):
    title = serializers.CharField(max_length=250)
    summary = serializers.CharField(required=False, allow_blank=True)
    background = serializers.CharField(required=False, allow_blank=True)
    objectives = serializers.CharField(required=False, allow_blank=True)
    activities = serializers.CharField(required=False, allow_blank=True)
    expected_results = serializers.CharField(required=False, allow_blank=True)
    beneficiaries = serializers.CharField(required=False, allow_blank=True)
    national_ownership = serializers.CharField(required=False, allow_blank=True)
    sustainability = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.CharField(required=False, allow_blank=True)
    categories = _codes(Category)
    kinds = _codes(AssistanceKind)
    budget_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    budget_currency = serializers.ChoiceField(choices=currency_choices(), required=False)
    duration_months = serializers.IntegerField(
        min_value=1, max_value=600, required=False, allow_null=True
    )
    priority = serializers.ChoiceField(
        choices=AssistanceRequest._meta.get_field("priority").choices, required=False
    )
    national_document = serializers.ChoiceField(
        choices=NationalDocument.choices, required=False, allow_blank=True
    )
    national_document_title = serializers.CharField(
        required=False, allow_blank=True, max_length=200
    )
    national_document_year = serializers.IntegerField(
        min_value=2001, max_value=2100, required=False, allow_null=True
    )
    poa_cycle = serializers.IntegerField(
        min_value=2002,
        max_value=2100,
        required=False,
        allow_null=True,
        help_text="The year of the PoA meeting the national report was submitted for.",
    )
    national_report_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    visibility = serializers.ChoiceField(
        choices=AssistanceRequest._meta.get_field("visibility").choices, required=False
    )
    selected_donors = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Organization.objects.filter(is_donor=True)
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class RequestCreateSerializer(RequestWriteSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_recipient=True),
        help_text="The requesting organization (yours; UNODA may create for any).",
    )


class TransitionSerializer(Input):
    transition = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    expected_status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="The status you saw; if the case changed meanwhile you get a 409.",
    )
    confirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Go ahead despite what the transition warns about (closing a case whose firm "
            "commitments are not fully disbursed; submitting a request that looks like one of "
            "the State's own): without it such a transition is a 409 that says what it warns "
            "about; with it a reason in `comment` is required."
        ),
    )


class LikenessSerializer(serializers.Serializer):
    """A likely duplicate (same State) or related need (same region) of a request."""

    reference = serializers.CharField(source="other.reference")
    title = serializers.CharField(source="other.title")
    state = serializers.CharField(source="other.requesting_organization.name")
    status = serializers.CharField(source="other.status")
    duplicate = serializers.BooleanField(help_text="Same State: a likely duplicate.")
    score = serializers.IntegerField(help_text="How alike, 0 to 100.")
    reasons = serializers.ListField(child=serializers.CharField())


class DuplicateDecisionSerializer(Input):
    reference = serializers.CharField(max_length=20, help_text="The other request.")
    decision = serializers.ChoiceField(
        choices=[kind.value for kind in DUPLICATE_DECISIONS],
        help_text=(
            "`distinct`: not a duplicate; `related`; `duplicates`: this request duplicates the "
            "other and is withdrawn."
        ),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class StatusChangeSerializer(serializers.ModelSerializer):
    event = serializers.CharField(
        read_only=True,
        help_text="What the portal recorded with the transition (empty for none): "
        + ", ".join(HistoryEvent.values)
        + ".",
    )
    event_text = serializers.SerializerMethodField(
        help_text="What the portal says of the transition, in the language asked for "
        "(Accept-Language); `comment` is what the actor wrote."
    )

    class Meta:
        model = StatusChange
        fields = (
            "transition",
            "from_status",
            "to_status",
            "event",
            "event_text",
            "comment",
            "created_at",
        )
        read_only_fields = fields

    def get_event_text(self, change) -> str:
        return " ".join(history_sentences(change))


# --- Offers ------------------------------------------------------------------------------------


class OfferSerializer(serializers.ModelSerializer):
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    kinds = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    regions = serializers.SerializerMethodField()
    amount_min = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    amount_max = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)

    class Meta:
        model = Offer
        fields = (
            "id",
            "donor",
            "title",
            "description",
            "categories",
            "kinds",
            "regions",
            "amount_min",
            "amount_max",
            "currency",
            "valid_from",
            "valid_until",
            "cooperation_type",
            "is_active",
            "created_at",
        )
        read_only_fields = fields

    def get_regions(self, offer) -> list[str]:
        return sorted(region.region for region in offer.regions.all())


class OfferWriteSerializer(Input):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    categories = _codes(Category)
    kinds = _codes(AssistanceKind)
    regions = serializers.ListField(
        child=serializers.ChoiceField(choices=Region.choices), required=False, max_length=10
    )
    amount_min = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    amount_max = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    currency = serializers.ChoiceField(choices=currency_choices())
    valid_from = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False, allow_null=True)
    cooperation_type = serializers.ChoiceField(
        choices=CooperationType.choices,
        help_text="north_south, south_south, triangular, regional or multilateral (through a "
        "UN entity or fund); required on a new offer.",
    )
    is_active = serializers.BooleanField(required=False)


class OfferCreateSerializer(OfferWriteSerializer):
    donor = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())


# --- Interest ----------------------------------------------------------------------------------


class InterestSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = ExpressionOfInterest
        fields = ("id", "request", "donor", "message", "status", "created_at")
        read_only_fields = fields


class InterestCreateSerializer(Input):
    request = VisibleRequestField()
    donor = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    message = serializers.CharField(required=False, allow_blank=True, default="")


# --- Commitments and disbursements -------------------------------------------------------------


# The rate each amount was converted with, stored when it was recorded (rates of the day).
RATE_USED_FIELDS = (
    "rate_per_usd",
    "rate_valid_on",
    "rate_source",
    "amount_usd",
    "case_currency",
    "amount_case",
)


class DisbursementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Disbursement
        fields = ("id", "date", "amount", *RATE_USED_FIELDS, "note", "created_at")
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    donor_name = serializers.CharField(source="donor.name", read_only=True)
    disbursements = DisbursementSerializer(many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = (
            "id",
            "request",
            "donor",
            "donor_name",
            "tranche",
            "status",
            "amount",
            "currency",
            "pledged_on",
            "expected_commitment_date",
            "committed_on",
            *RATE_USED_FIELDS,
            "note",
            "disbursements",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class CommitmentCreateSerializer(Input):
    request = VisibleRequestField()
    donor = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=currency_choices())
    status = serializers.ChoiceField(
        choices=[CommitmentStatus.PLEDGED, CommitmentStatus.COMMITTED], required=False
    )
    pledged_on = serializers.DateField(required=False)
    expected_commitment_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class CommitmentUpdateSerializer(Input):
    amount = serializers.DecimalField(**MONEY, required=False)
    currency = serializers.ChoiceField(choices=currency_choices(), required=False)
    expected_commitment_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CommitmentConfirmSerializer(Input):
    on = serializers.DateField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CommitmentCancelSerializer(Input):
    comment = serializers.CharField(help_text="Why the commitment is cancelled (required).")


class DisbursementCreateSerializer(Input):
    amount = serializers.DecimalField(**MONEY)
    date = serializers.DateField(required=False, help_text="Not in the future; default today.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=250, default="")
    confirm_repeat = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Record it although the same disbursement (amount, date, by you) was recorded "
        "less than a minute ago; without it, such a repeat is refused (400).",
    )


# --- Follow-up ---------------------------------------------------------------------------------


class ReportAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressReportAttachment
        fields = ("id", "title", "created_at")
        read_only_fields = fields


class ProgressReportSerializer(serializers.ModelSerializer):
    attachment_count = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField(
        help_text="Listed (and downloaded, at `attachments/{id}/`) for UNODA and the "
        "agreement's parties only; the others see how many there are, as on the plan page."
    )

    class Meta:
        model = ProgressReport
        fields = (
            "id",
            "organization",
            "period_start",
            "period_end",
            "status",
            "percent_done",
            "narrative",
            "attachment_count",
            "attachments",
            "created_at",
        )
        read_only_fields = fields

    def get_attachment_count(self, report) -> int:
        return len(report.attachments.all())

    @extend_schema_field(ReportAttachmentSerializer(many=True))
    def get_attachments(self, report):
        if not self.context.get("records_visible"):
            return []
        return ReportAttachmentSerializer(report.attachments.all(), many=True).data


class ActualInputSerializer(Input):
    """The value an indicator of the case's results framework reached by the end of the
    report's period."""

    indicator = serializers.IntegerField(
        min_value=1, help_text="The id of an indicator of this case's results framework."
    )
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="The value reached by the end of the period (empty: not reported yet).",
    )
    women = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Of whom women, for an indicator counted by sex only.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_attachment = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="The position (from 0) in `attachments` of the file that is this value's "
        "evidence (multipart only).",
    )


class ProgressReportCreateSerializer(Input):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text="On whose behalf you report; needed only if you may report for several.",
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    percent_done = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField()
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text="Files (multipart/form-data only), each checked like the plan page's.",
    )
    actuals = ActualInputSerializer(
        many=True,
        required=False,
        help_text="The values the indicators of the case's results framework reached by the end "
        "of the period, one per indicator, checked and stored with the report (all or nothing). "
        "In multipart/form-data: `actuals[0]indicator`, `actuals[0]value`, and so on.",
    )


class ActualPointSerializer(serializers.Serializer):
    report = serializers.IntegerField(source="report_id", help_text="The progress report.")
    period_end = serializers.DateField(source="date")
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    women = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    evidence = serializers.SerializerMethodField(
        help_text="The report's attachment that is the evidence (download it at "
        "`progress-reports/{report}/attachments/{evidence}/`); given to UNODA and the "
        "agreement's parties only, as on the case page."
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_evidence(self, point):
        return point.evidence_id if self.context.get("records_visible") else None


class IndicatorStandingSerializer(serializers.Serializer):
    """An indicator of the results framework, its baseline and target, the values reached, and
    how it stands (apps/cases/results.py: behind schedule, target met)."""

    indicator = serializers.IntegerField(source="indicator.pk")
    result = serializers.IntegerField(source="indicator.result_id")
    level = serializers.ChoiceField(source="indicator.result.level", choices=ResultLevel.choices)
    result_statement = serializers.CharField(source="indicator.result.statement")
    name = serializers.CharField(source="indicator.name")
    unit = serializers.CharField(source="indicator.unit")
    measure = serializers.ChoiceField(source="indicator.measure", choices=IndicatorMeasure.choices)
    ascending = serializers.BooleanField(source="indicator.ascending")
    by_sex = serializers.BooleanField(source="indicator.by_sex")
    baseline_value = serializers.DecimalField(
        source="indicator.baseline_value", max_digits=14, decimal_places=2, allow_null=True
    )
    baseline_date = serializers.DateField(source="indicator.baseline_date", allow_null=True)
    target_value = serializers.DecimalField(
        source="indicator.target_value", max_digits=14, decimal_places=2, allow_null=True
    )
    target_date = serializers.DateField(source="indicator.target_date", allow_null=True)
    expected = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="Where the straight line from baseline to target says the value should be at "
        "the end of the latest period reported.",
    )
    behind = serializers.BooleanField(help_text="Behind schedule.")
    met = serializers.BooleanField(
        allow_null=True, help_text="Target met (null: no target, or nothing reported yet)."
    )
    share_of_target = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        allow_null=True,
        help_text="The share of the distance from baseline to target covered, 0 to 1.",
    )
    actuals = ActualPointSerializer(source="points", many=True)


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = (
            "id",
            "organization",
            "role",
            "status",
            *RATING_FIELDS,
            "what_worked",
            "what_did_not_work",
            "lessons_learned",
            "share_lessons",
            "would_work_together_again",
            "submitted_at",
        )
        read_only_fields = fields


def _rating_field():
    return serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class FeedbackWriteSerializer(Input):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text="On whose behalf; needed only if you belong to several parties of the case.",
    )
    submit = serializers.BooleanField(
        default=False, help_text="true submits (every rating required, then read-only)."
    )
    relevance = _rating_field()
    coherence = _rating_field()
    effectiveness = _rating_field()
    efficiency = _rating_field()
    impact = _rating_field()
    sustainability = _rating_field()
    overall = _rating_field()
    what_worked = serializers.CharField(required=False, allow_blank=True)
    what_did_not_work = serializers.CharField(required=False, allow_blank=True)
    lessons_learned = serializers.CharField(required=False, allow_blank=True)
    share_lessons = serializers.BooleanField(
        required=False,
        help_text="UNODA may publish the lessons learned, without naming the party, for every "
        "State and donor of the portal.",
    )
    would_work_together_again = serializers.BooleanField(required=False, allow_null=True)


class FeedbackWaiverSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = FeedbackWaiver
        fields = ("id", "organization", "reason", "recorded_by", "created_at")
        read_only_fields = fields

    def get_recorded_by(self, waiver) -> str:
        return waiver.recorded_by.get_full_name() or waiver.recorded_by.username


class FeedbackWaiverCreateSerializer(Input):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        help_text="The party whose feedback is waived (one that has not submitted it).",
    )
    reason = serializers.CharField(help_text="Why the case may close without its feedback.")


class LessonSerializer(serializers.ModelSerializer):
    """A lesson names neither the case nor its parties: its categories, region and date."""

    request = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = ("id", "request", "title", "body", "categories", "region", "created_at")
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "string",
            "nullable": True,
            "description": "The case's reference, for UNODA only (null for everyone else).",
        }
    )
    def get_request(self, lesson):
        return lesson.request.reference if self.context.get("unoda") else None

    def get_categories(self, lesson) -> list[str]:
        return [category.code for category in lesson.request.categories.all()]

    @extend_schema_field(
        {"type": "string", "enum": [value for value, _label in Region.choices], "nullable": True}
    )
    def get_region(self, lesson):
        return lesson.request.requesting_organization.region or None


class LessonCreateSerializer(Input):
    request = VisibleRequestField(
        help_text="The closed case the lesson comes from (its reference)."
    )
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="Written for other States and donors; no party named.")


# --- The case's records: comments, documents, agreement, milestones, meetings -------------------


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ("id", "author", "body", "visibility", "created_at")
        read_only_fields = fields

    def get_author(self, comment) -> str:
        return comment.author.get_full_name() or comment.author.username


class CommentCreateSerializer(Input):
    body = serializers.CharField()
    visibility = serializers.ChoiceField(
        choices=CommentVisibility.choices,
        default=CommentVisibility.SHARED,
        help_text="`internal`: for UNODA's eyes only (UNODA officers only).",
    )


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ("id", "kind", "title", "created_at")
        read_only_fields = fields


class AttachmentCreateSerializer(Input):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    file = serializers.FileField(help_text="The document (multipart/form-data), 20 MB at most.")


class AgreementDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementDocument
        fields = ("id", "title", "created_at")
        read_only_fields = fields


class AgreementChangeSerializer(serializers.ModelSerializer):
    document = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="Per field: [old, new].",
    )

    class Meta:
        model = AgreementChange
        fields = ("id", "kind", "changes", "reason", "document", "created_at")
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    donors = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    documents = serializers.SerializerMethodField(
        help_text="The signed documents (download at `documents/{id}/`): UNODA and the "
        "agreement's parties only, empty for anyone else."
    )
    changes = serializers.SerializerMethodField(
        help_text="Corrections and amendments, oldest first: UNODA and the agreement's parties "
        "only, empty for anyone else."
    )

    class Meta:
        model = Agreement
        fields = (
            "id",
            "request",
            "signed_on",
            "donors",
            "implementing_partner",
            "amount",
            "currency",
            "start_date",
            "end_date",
            "cooperation_type",
            "reporting_interval_months",
            "notes",
            "documents",
            "changes",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_donors(self, agreement) -> list[int]:
        return sorted(donor.pk for donor in agreement.donors.all())

    @extend_schema_field(AgreementDocumentSerializer(many=True))
    def get_documents(self, agreement):
        if not self.context.get("records_visible"):
            return []
        return AgreementDocumentSerializer(agreement.documents.all(), many=True).data

    @extend_schema_field(AgreementChangeSerializer(many=True))
    def get_changes(self, agreement):
        return AgreementChangeSerializer(self.context.get("history", []), many=True).data


class AgreementTermsSerializer(Input):
    signed_on = serializers.DateField(help_text="Not in the future, nor before the request.")
    donors = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organization.objects.filter(is_donor=True),
        help_text="The donor organizations that signed.",
    )
    implementing_partner = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
    currency = serializers.ChoiceField(choices=currency_choices(), required=False)
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="On or after the start.")
    cooperation_type = serializers.ChoiceField(choices=CooperationType.choices)
    reporting_interval_months = serializers.IntegerField(min_value=1, max_value=12, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class AgreementRecordSerializer(AgreementTermsSerializer):
    """Record the signed agreement (UNODA, while the case has donor interest): the case moves
    to "agreement"."""

    comment = serializers.CharField(required=False, allow_blank=True, default="")
    documents = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text="Signed documents (multipart/form-data only).",
    )


class AgreementUpdateSerializer(AgreementTermsSerializer):
    """Correct or amend the agreement (UNODA, while it runs), saying why: the terms that
    change, with ``kind`` and ``reason`` (read partially: only what is sent changes)."""

    kind = serializers.ChoiceField(
        choices=AgreementChangeKind.choices,
        help_text="`correction`: a mistake in the record; `amendment`: a change the parties "
        "agreed. Required.",
    )
    reason = serializers.CharField(help_text="Kept in the agreement's history. Required.")
    document = serializers.FileField(
        required=False, help_text="The signed amendment (multipart/form-data only)."
    )
    document_title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class AgreementDocumentCreateSerializer(Input):
    title = serializers.CharField(max_length=200)
    file = serializers.FileField(help_text="The signed document (multipart/form-data).")


class MilestoneSerializer(serializers.ModelSerializer):
    evidence = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The case document kept as evidence (`attachments/{id}/`).",
    )

    class Meta:
        model = Milestone
        fields = (
            "id",
            "title",
            "description",
            "due_date",
            "completed_on",
            "completion_note",
            "evidence",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class MilestoneWriteSerializer(Input):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, default="")


class MilestoneUpdateSerializer(Input):
    title = serializers.CharField(max_length=200, required=False)
    due_date = serializers.DateField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class MilestoneCompleteSerializer(Input):
    completed_on = serializers.DateField(
        required=False, help_text="Not in the future; default today."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(
        required=False, help_text="A document as evidence (multipart/form-data only)."
    )


class MeetingItemSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True, help_text="Null: an offer alone."
    )
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_date = serializers.DateField(source="meeting.date", read_only=True)

    class Meta:
        model = MeetingItem
        fields = (
            "id",
            "meeting",
            "meeting_title",
            "meeting_date",
            "position",
            "request",
            "offer",
            "decision",
            "outcome",
            "interest_shown",
            "follow_up",
        )
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    invited = serializers.SerializerMethodField()
    online_link = serializers.CharField(help_text="A URL, or empty.")
    item_count = serializers.IntegerField(read_only=True)
    decided_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MatchmakingMeeting
        fields = (
            "id",
            "title",
            "date",
            "place",
            "is_online",
            "online_link",
            "invited",
            "notes",
            "item_count",
            "decided_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_invited(self, meeting) -> list[int]:
        return sorted(organization.pk for organization in meeting.invited.all())


class MeetingDetailSerializer(MeetingSerializer):
    items = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = (*MeetingSerializer.Meta.fields, "items")
        read_only_fields = fields

    @extend_schema_field(MeetingItemSerializer(many=True))
    def get_items(self, meeting):
        return MeetingItemSerializer(self.context.get("items", []), many=True).data


def _nullable_money(**kwargs):
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, read_only=True, **kwargs
    )


class DossierRowSerializer(serializers.Serializer):
    """One agenda item of a meeting's dossier, as the dossier page and its CSV show it."""

    item = serializers.IntegerField(source="item.pk", help_text="The agenda item.")
    position = serializers.IntegerField()
    request = serializers.CharField(
        source="item.request.reference", default=None, allow_null=True, help_text="Null: an offer."
    )
    offer = serializers.IntegerField(
        source="item.offer_id", allow_null=True, help_text="The offer presented or discussed."
    )
    title = serializers.CharField()
    organization = serializers.CharField()
    categories = serializers.SerializerMethodField()
    amount = _nullable_money(help_text="The case's budget, or the offer's most.")
    currency = serializers.CharField()
    committed = _nullable_money(help_text="Committed to the case (null for an offer).")
    gap = _nullable_money(help_text="Still missing (null for an offer).")
    interest_shown = serializers.BooleanField()
    decision = serializers.ChoiceField(source="item.decision", choices=MeetingDecision.choices)
    outcome = serializers.CharField()
    follow_up = serializers.CharField()
    suggestions = serializers.ListField(
        child=serializers.CharField(), help_text="The best matches, best first."
    )

    def get_categories(self, row) -> list[str]:
        subject = row.item.request if row.item.request_id else row.item.offer
        return [category.code for category in subject.categories.all()]


class MeetingDossierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()
    rows = DossierRowSerializer(many=True, help_text="The agenda in order.")


class MeetingWriteSerializer(Input):
    title = serializers.CharField(max_length=200)
    date = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_online = serializers.BooleanField(required=False)
    online_link = serializers.URLField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    invited = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Organization.objects.filter(is_donor=True),
        help_text="The donor organizations invited.",
    )


class MeetingItemCreateSerializer(Input):
    request = VisibleRequestField(required=False, allow_null=True)
    offer = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, allow_null=True
    )


class MeetingOutcomeSerializer(Input):
    decision = serializers.ChoiceField(
        choices=MeetingDecision.choices, default=MeetingDecision.PENDING
    )
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    interest_shown = serializers.BooleanField(required=False, default=False)
    follow_up = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the decision is `follow_up_agreed`.",
    )


# --- Exchange rates and notifications ----------------------------------------------------------


class ExchangeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ("id", "currency", "rate_per_usd", "valid_on", "source")
        read_only_fields = fields


class ExchangeRateWriteSerializer(Input):
    currency = serializers.ChoiceField(choices=currency_choices())
    rate_per_usd = serializers.DecimalField(
        max_digits=ExchangeRate._meta.get_field("rate_per_usd").max_digits,
        decimal_places=ExchangeRate._meta.get_field("rate_per_usd").decimal_places,
        min_value=Decimal("0.000001"),
        help_text="How many units of the currency one US dollar buys.",
    )
    valid_on = serializers.DateField(help_text="Today or an earlier day.")
    source = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class NotificationSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = (
            "id",
            "kind",
            "request",
            "subject",
            "body",
            "url",
            "created_at",
            "read_at",
            "read",
        )
        read_only_fields = fields

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")
