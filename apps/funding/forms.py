from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.models import Priority
from apps.core.forms import DecimalTextField, PortalForm, PortalModelForm
from apps.organizations.models import Region

from .models import CooperationType, MeetingDecision, Offer, ReferralStatus


class OfferAdminForm(PortalModelForm):
    region_codes = forms.MultipleChoiceField(
        label=_("regions"), choices=Region.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    class Meta:
        model = Offer
        fields = ("donor", "title", "description", "categories", "kinds", "amount_min",
                  "amount_max", "currency", "valid_from", "valid_until", "cooperation_type",
                  "is_active")  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperation_type"].required = True  # blank only on rows from before it
        if self.instance.pk:
            self.fields["region_codes"].initial = list(
                self.instance.regions.values_list("region", flat=True)
            )


class DisbursementForm(PortalForm):
    amount = DecimalTextField(label=_("amount"), max_digits=14, decimal_places=2)
    date = forms.DateField(label=_("date"))
    note = forms.CharField(label=_("note"), max_length=250, required=False)
    confirm_repeat = forms.BooleanField(
        label=_("It was paid twice: record it again"), required=False
    )


class OfferForm(PortalModelForm):
    region_codes = forms.MultipleChoiceField(
        label=_("regions"), choices=Region.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    class Meta:
        model = Offer
        fields = ("title", "description", "categories", "kinds", "amount_min", "amount_max",
                  "currency", "valid_from", "valid_until", "cooperation_type",
                  "is_active")  # fmt: skip
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "kinds": forms.CheckboxSelectMultiple,
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].required = False
        self.fields["cooperation_type"].required = True  # blank only on rows from before it
        if self.instance.pk:
            self.fields["region_codes"].initial = list(
                self.instance.regions.values_list("region", flat=True)
            )


class ActivityLinesField(forms.TypedMultipleChoiceField):
    """Checkboxes of a request's activity lines (ids). An id that is not offered is passed on:
    the service refuses a line of another request with a message that says so."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value):
        return str(value).isdigit()


def coverage_choices(case) -> list[tuple[int, str]]:
    """The activity lines of ``case`` as choices (``case.activity_lines.all()``: prefetched by
    a page that shows several forms)."""
    return [(line.pk, f"{line.position}. {line.description}") for line in case.activity_lines.all()]


class CoverageFieldsMixin:
    """What a donor's interest or commitment covers (``covers``), and whether other donors
    see who it is (``undisclosed``; ``disclosed()`` gives the value for the services).
    ``_set_coverage_choices(case)`` offers the lines of that case (no field without lines)."""

    def disclosed(self) -> bool:
        return not self.cleaned_data.get("undisclosed")

    def covered(self) -> list[int]:
        return self.cleaned_data.get("covers") or []

    def _set_coverage_choices(self, case) -> None:
        choices = coverage_choices(case)
        if choices:
            self.fields["covers"].choices = choices
        else:
            del self.fields["covers"]


def _covers_field():
    return ActivityLinesField(
        label=_("Activities this covers"),
        help_text=_("Tick none if it is not specified."),
    )


def _undisclosed_field():
    # Ticked to withhold the name, so that a post without the box (an older page, a script)
    # keeps the default: disclosed.
    return forms.BooleanField(
        label=_("Do not show our organization's name to other donors"),
        required=False,
        help_text=_("They then see “an undisclosed donor” with the amount and the activities."),
    )


class InterestForm(CoverageFieldsMixin, PortalForm):
    """A donor's expression of interest on the case page (one per donor organization)."""

    donor = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    covers = _covers_field()
    undisclosed = _undisclosed_field()

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_coverage_choices(case)


def interest_form(case, org, data=None) -> InterestForm:
    return InterestForm(data, case=case, initial={"donor": org.pk}, auto_id=f"interest-{org.pk}-%s")


class CoverageForm(CoverageFieldsMixin, PortalForm):
    """A donor changes what its interest or commitment covers and whether it is disclosed."""

    covers = _covers_field()
    undisclosed = _undisclosed_field()

    def __init__(self, *args, case, record, kind: str, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "covers": [line.pk for line in record.covers.all()],
                "undisclosed": not record.disclosed,
            }
        super().__init__(*args, auto_id=f"coverage-{kind}-{record.pk}-%s", **kwargs)
        self._set_coverage_choices(case)


class CommitmentCreateForm(CoverageFieldsMixin, PortalForm):
    donor = forms.IntegerField(widget=forms.HiddenInput)
    amount = DecimalTextField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    currency = forms.CharField(label=_("Currency (ISO code)"), min_length=3, max_length=3)
    status = forms.ChoiceField(
        label=pgettext_lazy("funding stage: pledged or committed", "Stage"),
        choices=[
            ("pledged", pgettext_lazy("funding status", "Pledged")),
            ("committed", pgettext_lazy("funding status", "Committed")),
        ],
    )
    pledged_on = forms.DateField(
        label=_("Pledged (or committed) on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today if left empty."),
    )
    expected_commitment_date = forms.DateField(
        label=_("Expected commitment date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a pledge: when it should become a firm commitment."),
    )

    covers = _covers_field()
    undisclosed = _undisclosed_field()

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()


def pledge_form(case, org, data=None) -> CommitmentCreateForm:
    """The form to record a pledge or commitment for ``org`` on ``case`` (ids unique per org:
    the case page shows one per donor organization of the user)."""
    form = CommitmentCreateForm(
        data,
        initial={"donor": org.pk, "currency": case.budget_currency, "status": "pledged"},
        auto_id=f"pledge-{org.pk}-%s",
    )
    form._set_coverage_choices(case)
    return form


class NeedsFilterForm(PortalForm):
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    priority = forms.TypedChoiceField(
        label=_("National priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", pgettext_lazy("filter: any priority", "Any")), *Priority.choices],
    )
    document = forms.ChoiceField(label=_("Comes from"), required=False)
    q = forms.CharField(label=_("Search"), required=False)

    def __init__(self, *args, categories=None, **kwargs):
        """``categories``: every category, if the caller has read them (the active ones are
        offered); else they are read here."""
        from apps.cases.forms import category_choices, document_choices

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)
        self.fields["document"].choices = document_choices()
        self.fields["region"].choices = [
            ("", pgettext_lazy("filter: any region", "Any")),
            *Region.choices,
        ]


class OfferFilterForm(PortalForm):
    """The filters of the offers of assistance; UNODA may also pick the offers' status."""

    STATUS_CHOICES = [
        ("available", _("Available today")),
        ("inactive", _("Withdrawn by the donor")),
        ("expired", _("Past their validity")),
        ("all", pgettext_lazy("filter: offers in any status", "All")),
    ]

    q = forms.CharField(label=_("Search"), required=False)
    donor = forms.TypedChoiceField(label=_("Donor"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("Category"), required=False)
    kind = forms.ChoiceField(label=_("Kind of assistance"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    cooperation = forms.ChoiceField(
        label=_("Type of cooperation"),
        required=False,
        choices=[
            ("", pgettext_lazy("filter: any type of cooperation", "Any")),
            *CooperationType.choices,
        ],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, donors, categories, kinds, with_status: bool, **kwargs):
        from apps.cases.forms import category_choices

        super().__init__(*args, **kwargs)
        self.fields["donor"].choices = [
            ("", pgettext_lazy("filter: any donor", "Any")),
            *((d.pk, d.name) for d in donors),
        ]
        self.fields["category"].choices = category_choices(categories)
        self.fields["kind"].choices = [
            ("", pgettext_lazy("filter: any kind of assistance", "Any")),
            *((k.code, k.name) for k in kinds),
        ]
        self.fields["region"].choices = [
            ("", pgettext_lazy("filter: any region", "Any")),
            *Region.choices,
        ]
        if not with_status:
            del self.fields["status"]


# --- Matchmaking meetings ----------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class MeetingForm(PortalForm):
    """A meeting's details and invitations (the service checks the rules)."""

    title = forms.CharField(label=_("title"), max_length=200)
    date = forms.DateField(label=_("date"), widget=DateInput)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    is_online = forms.BooleanField(label=_("online"), required=False)
    online_link = forms.URLField(
        label=_("online link"), required=False, assume_scheme="https", max_length=200
    )
    invited = forms.ModelMultipleChoiceField(
        label=_("invited donors"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, invitable, **kwargs):
        """``invitable``: the organizations that may be ticked (the donors, and whoever the
        meeting already invites)."""
        super().__init__(*args, **kwargs)
        self.fields["invited"].queryset = invitable


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference}: {obj.title}"


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.donor}: {obj.title}"


class MeetingItemForm(PortalForm):
    """An agenda item: a case, optionally with an offer presented for it (or an offer alone)."""

    request = CaseChoiceField(
        label=pgettext_lazy("an assistance request handled as a file", "case"),
        queryset=None,
        required=False,
        help_text=_("Cases open to donors or seeking co-funding."),
    )
    offer = OfferChoiceField(
        label=_("offer"),
        queryset=None,
        required=False,
        help_text=_("Optional: an active offer of any donor, presented with the case."),
    )

    def __init__(self, *args, cases, offers, **kwargs):
        super().__init__(*args, auto_id="item-%s", **kwargs)
        self.fields["request"].queryset = cases
        self.fields["offer"].queryset = offers

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("request") is None and data.get("offer") is None:
            raise forms.ValidationError(_("Choose a case, an offer or both."))
        return data


class MeetingOutcomeForm(PortalForm):
    """What came of one agenda item; one form per item on the meeting page."""

    decision = forms.ChoiceField(label=_("decision"), choices=MeetingDecision.choices)
    outcome = forms.CharField(
        label=_("outcome note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    interest_shown = forms.BooleanField(label=_("interest shown"), required=False)
    follow_up = forms.CharField(
        label=_("follow-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when a follow-up is agreed: who does what, by when."),
    )

    def __init__(self, *args, item_pk, **kwargs):
        # One form per item on the page: its fields' ids must not collide.
        super().__init__(*args, auto_id=f"outcome{item_pk}-%s", **kwargs)


# --- Offers a State asks UNODA to bring to its request -----------------------------------------


class ReferralAskForm(PortalForm):
    """A State asks UNODA to bring one offer to one of its requests (one form per offer on the
    page; the requests to choose from are given, so that the page reads no more for them)."""

    request = forms.ChoiceField(label=_("my request"))
    note = forms.CharField(
        label=_("note to UNODA (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, offer_pk, choices, **kwargs):
        """``choices``: (reference, label) of the State's requests that could use the offer."""
        super().__init__(*args, prefix=f"offer{offer_pk}", **kwargs)
        self.fields["request"].choices = choices


class ReferralBringForm(PortalForm):
    """UNODA brings the offer to the request: on a meeting's agenda, or by telling the donor."""

    meeting = forms.TypedChoiceField(
        label=_("matchmaking meeting"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Optional: a meeting still to come; the request and the offer go on its agenda."
        ),
    )
    note = forms.CharField(
        label=_("note to the State and the donor (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, referral_pk, meetings, **kwargs):
        super().__init__(*args, prefix=f"bring{referral_pk}", **kwargs)
        self.fields["meeting"].choices = [
            ("", _("No meeting: tell the donor now")),
            *((m.pk, f"{date_format(m.date)}: {m.title}") for m in meetings),
        ]


class ReferralDeclineForm(PortalForm):
    reason = forms.CharField(
        label=_("reason (the State reads it)"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, referral_pk, **kwargs):
        super().__init__(*args, prefix=f"decline{referral_pk}", **kwargs)


class ReferralFilterForm(PortalForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            *ReferralStatus.choices,
            ("all", pgettext_lazy("filter: requests to UNODA in any status", "All")),
        ],
    )
