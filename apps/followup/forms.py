from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.forms import DecimalTextField, PortalForm, PortalModelForm
from apps.funding.models import CooperationType

from .models import AgreementChangeKind, Feedback, ProgressStatus, actual_field


class FeedbackForm(PortalModelForm):
    class Meta:
        model = Feedback
        fields = (
            "relevance",
            "coherence",
            "effectiveness",
            "efficiency",
            "impact",
            "sustainability",
            "overall",
            "what_worked",
            "what_did_not_work",
            "lessons_learned",
            "share_lessons",
            "would_work_together_again",
        )


class WaiverForm(PortalForm):
    organization = forms.ModelChoiceField(label=_("party"), queryset=None)
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the case may close without this party's feedback."),
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, auto_id="waiver-%s", **kwargs)
        self.fields["organization"].queryset = parties


class DateInput(forms.DateInput):
    input_type = "date"


class AgreementForm(PortalForm):
    signed_on = forms.DateField(label=_("signed on"), widget=DateInput)
    donors = forms.ModelMultipleChoiceField(
        label=_("donors"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    implementing_partner = forms.ModelChoiceField(
        label=_("implementing partner"), queryset=None, required=False
    )
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("currency"), max_length=3, initial="USD")
    start_date = forms.DateField(label=_("start date"), widget=DateInput)
    end_date = forms.DateField(label=_("end date"), widget=DateInput)
    cooperation_type = forms.ChoiceField(
        label=_("type of cooperation"),
        choices=[("", "---------"), *CooperationType.choices],
        help_text=_(
            "North-South, South-South, triangular (a third partner supports cooperation between "
            "two countries of the South), regional, or multilateral (through a UN entity or fund)."
        ),
    )
    reporting_interval_months = forms.IntegerField(
        label=_("reporting every (months)"), min_value=1, max_value=12, initial=3
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    comment = forms.CharField(
        label=_("comment in the case history"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, donors, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donors"].queryset = donors
        self.fields["implementing_partner"].queryset = partners

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()


class AgreementChangeForm(AgreementForm):
    """The agreement's terms, prefilled, with what kind of change this is and why."""

    kind = forms.ChoiceField(
        label=_("kind of change"), choices=AgreementChangeKind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason for the change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the agreement's history, shown to its parties."),
    )
    document = forms.FileField(
        label=_("signed amendment"),
        required=False,
        help_text=_("Optional: the signed document, kept among the agreement's documents."),
    )
    document_title = forms.CharField(
        label=_("title of the signed amendment"), max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["comment"]  # the reason is the comment here


class AgreementDocumentForm(PortalForm):
    title = forms.CharField(label=_("title"), max_length=200)
    file = forms.FileField(label=_("signed document"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); the list may be empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)] if data else []


class ProgressReportForm(PortalForm):
    period_start = forms.DateField(label=_("period from"), widget=DateInput)
    period_end = forms.DateField(label=_("period to"), widget=DateInput)
    status = forms.ChoiceField(label=_("status"), choices=ProgressStatus.choices)
    percent_done = forms.IntegerField(label=_("percent done"), min_value=0, max_value=100)
    narrative = forms.CharField(label=_("narrative"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(
        label=_("attachments (photos, reports, certificates)"),
        required=False,
        help_text=_("Optional. One or more files, each checked like every upload."),
    )

    def __init__(self, *args, standings=(), **kwargs):
        """``standings``: how each indicator of the case's results framework stands
        (``case_standings``), one row of fields per indicator: the value reached by the end of
        the period, of whom women (indicators counted by sex), evidence and a note."""
        super().__init__(*args, **kwargs)
        self.standings = list(standings)
        for standing in self.standings:
            indicator = standing.indicator
            pk = indicator.pk
            self.fields[actual_field(pk, "value")] = DecimalTextField(
                label=_("value reached"), required=False
            )
            if indicator.by_sex:
                self.fields[actual_field(pk, "women")] = DecimalTextField(
                    label=_("of whom women"), required=False
                )
            self.fields[actual_field(pk, "evidence")] = forms.FileField(
                label=_("evidence"), required=False
            )
            self.fields[actual_field(pk, "note")] = forms.CharField(
                label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 1})
            )

    def actual_rows(self) -> list[dict]:
        """Each indicator's standing and its bound fields, for the template."""
        rows = []
        for standing in self.standings:
            pk = standing.indicator.pk
            rows.append(
                {
                    "standing": standing,
                    "indicator": standing.indicator,
                    **{
                        name: self[actual_field(pk, name)]
                        for name in ("value", "women", "evidence", "note")
                        if actual_field(pk, name) in self.fields
                    },
                }
            )
        return rows

    def report_fields(self) -> list:
        """The report's own fields (the actuals come in their own table)."""
        return [self[name] for name in self.base_fields]

    def service_data(self) -> dict:
        """The cleaned data as ``progress_report_submit`` takes it."""
        data = {name: self.cleaned_data[name] for name in self.base_fields}
        files = data.pop("attachments")
        data["attachments"] = [(file.name, file) for file in files]
        data["actuals"] = [
            {
                "indicator": standing.indicator,
                "value": self.cleaned_data.get(actual_field(standing.indicator.pk, "value")),
                "women": self.cleaned_data.get(actual_field(standing.indicator.pk, "women")),
                "note": self.cleaned_data.get(actual_field(standing.indicator.pk, "note")) or "",
                "evidence": self.cleaned_data.get(actual_field(standing.indicator.pk, "evidence"))
                or None,
            }
            for standing in self.standings
        ]
        return data


class MilestoneForm(PortalForm):
    title = forms.CharField(label=_("milestone"), max_length=200)
    due_date = forms.DateField(label=_("due date"), widget=DateInput)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, prefix_pk=None, **kwargs):
        # One form per milestone on the plan page: its fields' ids must not collide.
        super().__init__(*args, auto_id=f"ms{prefix_pk}-%s" if prefix_pk else "id_%s", **kwargs)


class MilestoneDoneForm(PortalForm):
    completed_on = forms.DateField(label=_("done on"), widget=DateInput)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label=_("evidence (document or photo)"),
        required=False,
        help_text=_("Optional. Kept among the case's documents."),
    )

    def __init__(self, *args, milestone_pk, **kwargs):
        super().__init__(*args, auto_id=f"done{milestone_pk}-%s", **kwargs)


class LessonForm(PortalForm):
    """UNODA writes a lesson learned of a closed case from what the consenting parties wrote."""

    title = forms.CharField(label=_("title"), max_length=200)
    body = forms.CharField(
        label=_("lesson"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Written for other States and donors; do not name the parties."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="lesson-%s", **kwargs)


class LessonFilterForm(PortalForm):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, **kwargs):
        from apps.cases.forms import category_choices
        from apps.organizations.models import Region

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["region"].choices = [
            ("", pgettext_lazy("filter: any region", "Any")),
            *Region.choices,
        ]
