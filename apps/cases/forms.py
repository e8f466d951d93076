from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.forms import DecimalTextField, PortalForm, PortalModelForm, say_text_limit
from apps.organizations.models import Organization

from .models import (
    ATTACHMENT_EXTENSIONS,
    DUPLICATE_DECISIONS,
    LINKS_BY_HAND,
    AssistanceKind,
    AssistanceRequest,
    AttachmentKind,
    Category,
    CommentVisibility,
    IndicatorMeasure,
    NationalDocument,
    Priority,
    ResultLevel,
    Status,
)
from .selectors import NO_DOCUMENT, officer_list
from .workflow import TRANSITIONS


class TransitionForm(PortalForm):
    transition = forms.ChoiceField(
        label=pgettext_lazy("a workflow step applied to a case", "Action"),
        choices=[(t.name, t.label) for t in TRANSITIONS.values()],
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return for revision, decline or withdraw."),
    )
    confirm = forms.BooleanField(
        label=_("I have read what this leaves open and go ahead all the same"), required=False
    )


class CommentForm(PortalForm):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        required=False,
        choices=CommentVisibility.choices,
        initial=CommentVisibility.SHARED,
    )


class RequestStartForm(PortalForm):
    """The first step: for which State, and the title."""

    organization = forms.ModelChoiceField(
        label=_("Requesting State or organization"), queryset=Organization.objects.none()
    )
    title = forms.CharField(label=_("Title of the request"), max_length=250)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if organizations.count() == 1:
            self.fields["organization"].initial = organizations.first()


# The proposal template as steps: (slug, label, fields). Each step saves on its own.
STEPS = [
    ("basics", _("Basics"), ("title", "summary", "priority", "duration_months")),
    (
        "context",
        _("Context and background"),
        (
            "background",
            "national_document",
            "national_document_title",
            "national_document_year",
            "poa_cycle",
            "national_report_url",
        ),
    ),
    ("objectives", _("Objectives and activities"), ("objectives", "activities")),
    ("results", _("Results and beneficiaries"), ("expected_results", "beneficiaries")),
    # Outcomes, outputs and their indicators, each saved on its own (not a proposal form).
    ("framework", _("Results framework"), ()),
    (
        "ownership",
        _("Ownership, sustainability and risks"),
        ("national_ownership", "sustainability", "risks"),
    ),
    (
        "budget",
        _("Budget and categories"),
        ("budget_amount", "budget_currency", "categories", "kinds"),
    ),
    ("visibility", _("Visibility and attachments"), ("visibility", "selected_donors")),
]
STEP_SLUGS = [slug for slug, _label, _fields in STEPS]
FRAMEWORK_STEP = "framework"


class ProposalStepForm(PortalModelForm):
    class Meta:
        model = AssistanceRequest
        fields = (
            "title", "summary", "priority", "duration_months", "background",
            "national_document", "national_document_title", "national_document_year",
            "poa_cycle", "national_report_url", "objectives", "activities", "expected_results",
            "beneficiaries", "national_ownership", "sustainability", "risks", "budget_amount",
            "budget_currency", "categories", "kinds", "visibility", "selected_donors",
        )  # fmt: skip
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "kinds": forms.CheckboxSelectMultiple,
            "selected_donors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = {slug: fields for slug, _label, fields in STEPS}[step]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "categories" in self.fields:
            self.fields["categories"].queryset = Category.objects.filter(is_active=True)
            self.fields["kinds"].queryset = AssistanceKind.objects.all()
        if "selected_donors" in self.fields:
            self.fields["selected_donors"].queryset = Organization.objects.filter(is_donor=True)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 5
                say_text_limit(field)


class ActivityLineForm(PortalForm):
    """One activity line of the proposal (a row of ``ActivityLineFormSet``): an empty row is
    left out, a kept line carries its id, "remove" takes a line out."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(label=_("Activity"), required=False, max_length=1000)
    estimated_cost = DecimalTextField(
        label=_("Estimated cost"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        error_messages={"min_value": _("An estimated cost cannot be negative.")},
    )
    output = forms.TypedChoiceField(
        label=_("Serves the output"), required=False, coerce=int, empty_value=None
    )
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args, outputs=(), **kwargs):
        """``outputs``: the outputs of the request, offered as what the line serves."""
        super().__init__(*args, **kwargs)
        self.fields["output"].choices = [("", "—")] + [
            (output.pk, f"{number}. {output.statement[:80]}")
            for number, output in enumerate(outputs, start=1)
        ]

    def line(self) -> dict | None:
        """The line as ``request_update`` takes it, or None for a row left empty or removed."""
        data = self.cleaned_data
        empty = not data.get("description") and data.get("estimated_cost") is None
        if data.get("remove") or (empty and not data.get("id")):
            return None
        line = {
            "id": data.get("id"),
            "description": data.get("description", ""),
            "estimated_cost": data.get("estimated_cost"),
        }
        if self.add_prefix("output") in self.data:
            # A row posted without the select (an older page) keeps the output it serves.
            line["output"] = data.get("output")
        return line


# Three empty rows below the lines: save to get three more.
ActivityLineFormSet = forms.formset_factory(ActivityLineForm, extra=3, max_num=200)


def activity_lines_formset(case, data=None, outputs=None):
    """The activity lines of ``case`` as a formset (``data``: as posted), each with the
    request's ``outputs`` to choose what it serves (read here unless given)."""
    if outputs is None:
        outputs = list(case.results.filter(level=ResultLevel.OUTPUT))
    initial = [
        {
            "id": line.pk,
            "description": line.description,
            "estimated_cost": line.estimated_cost,
            "output": line.output_id,
        }
        for line in case.activity_lines.all()
    ]
    return ActivityLineFormSet(
        data, initial=initial, prefix="lines", form_kwargs={"outputs": outputs}
    )


def activity_lines_posted(formset) -> list[dict]:
    """The lines of a valid formset, in order."""
    return [line for form in formset.forms if (line := form.line()) is not None]


# --- The results framework ----------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ResultForm(PortalForm):
    """An outcome or an output: its statement and, for an output, the outcome it serves."""

    statement = forms.CharField(
        label=_("Result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.TypedChoiceField(
        label=_("Serves the outcome"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, level: str, outcomes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statement"].label = ResultLevel(level).label
        if level == ResultLevel.OUTCOME:
            del self.fields["outcome"]
        else:
            self.fields["outcome"].choices = [("", "—")] + [
                (outcome.pk, f"{number}. {outcome.statement[:80]}")
                for number, outcome in enumerate(outcomes, start=1)
            ]


class IndicatorForm(PortalForm):
    """An indicator of a result, with its baseline and target."""

    name = forms.CharField(label=_("Indicator"), max_length=250)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=60,
        required=False,
        help_text=_("What is counted: weapons, sites, people, tonnes… (not for a percentage)."),
    )
    measure = forms.TypedChoiceField(
        label=_("Measure"), choices=IndicatorMeasure.choices, coerce=int
    )
    ascending = forms.BooleanField(
        label=_("Higher is better"),
        required=False,
        initial=True,
        help_text=_("Untick where the aim is to bring the value down."),
    )
    baseline_value = DecimalTextField(
        label=_("Baseline"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DateInput)
    target_value = DecimalTextField(
        label=_("Target"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    means_of_verification = forms.CharField(
        label=_("Means of verification"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    by_sex = forms.BooleanField(
        label=_("Disaggregated by sex"),
        required=False,
        help_text=_("Where the indicator counts people: report how many of them are women."),
    )

    @classmethod
    def initial_of(cls, indicator) -> dict:
        return {name: getattr(indicator, name) for name in cls.base_fields}


class TemplateChoiceForm(PortalForm):
    """A common indicator of the request's categories, added to one of its results."""

    template = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.TypedChoiceField(label=_("Add to"), coerce=int)

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = [
            (result.pk, f"{result.get_level_display()} {number}: {result.statement[:60]}")
            for number, result in results
        ]


class AttachmentForm(PortalForm):
    kind = forms.ChoiceField(label=_("Type"), choices=AttachmentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"),
        help_text=_("Accepted: %(types)s; at most 20 MB.")
        % {"types": ", ".join(ATTACHMENT_EXTENSIONS)},
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in ATTACHMENT_EXTENSIONS)}
        ),
    )


def category_choices(categories=None) -> list[tuple[str, str]]:
    """ "Any", then the active categories: of ``categories`` when the caller has read them all
    (its page names its rows' categories from them too), else read here."""
    if categories is None:
        categories = Category.objects.filter(is_active=True)
    return [("", pgettext_lazy("filter: any category", "Any"))] + [
        (c.code, c.name) for c in categories if c.is_active
    ]


def document_choices() -> list[tuple[str, str]]:
    """ "Any", each kind of national document, and none given."""
    return [
        ("", pgettext_lazy("filter: any national report or plan", "Any")),
        *NationalDocument.choices,
        (NO_DOCUMENT, _("Not tied to a national report or action plan")),
    ]


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def officer_choices() -> list[tuple[str, str]]:
    """The active UNODA officers as (id, name) choices, read once for a page's forms."""
    return [(str(user.pk), user.get_full_name() or user.username) for user in officer_list()]


class QueueFilterForm(PortalForm):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter: any status", "Any")), *Status.choices],
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    priority = forms.TypedChoiceField(
        label=_("National priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", pgettext_lazy("filter: any priority", "Any")), *Priority.choices],
    )
    document = forms.ChoiceField(label=_("Comes from"), required=False, choices=document_choices)
    officer = forms.ChoiceField(label=_("Case officer"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned only"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, officers=(), categories=None, **kwargs):
        """``officers``: the choices of ``officer_choices``; ``categories``: every category,
        if the caller has read them (the active ones are offered), else they are read here."""
        super().__init__(*args, **kwargs)
        from apps.organizations.models import Region

        self.fields["region"].choices = [
            ("", pgettext_lazy("filter: any region", "Any")),
            *Region.choices,
        ]
        self.fields["category"].choices = category_choices(categories)
        self.fields["officer"].choices = [
            ("", pgettext_lazy("filter: any case officer", "Any")),
            *officers,
        ]


class AssignForm(PortalForm):
    """The case officer of one case; none to leave it unassigned."""

    officer = OfficerChoiceField(
        label=_("Case officer"), queryset=officer_list(), required=False, empty_label="—"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="assign-%s", **kwargs)


class BulkAssignForm(PortalForm):
    officer = OfficerChoiceField(label=_("Assign to"), queryset=officer_list())
    cases = forms.ModelMultipleChoiceField(
        queryset=AssistanceRequest.objects.none(), to_field_name="reference"
    )

    def __init__(self, *args, visible, **kwargs):
        super().__init__(*args, auto_id="bulk-%s", **kwargs)
        self.fields["cases"].queryset = visible


class CaseLinkForm(PortalForm):
    """UNODA links the case to another by its reference (the service checks the rules)."""

    kind = forms.ChoiceField(
        label=_("This case"), choices=[(kind.value, kind.label) for kind in LINKS_BY_HAND]
    )
    reference = forms.CharField(
        label=_("Reference of the other case"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "REQ-2026-0042", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note (UNODA only)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How the two cases serve each other, for the officers who follow them."),
    )


class DuplicateDecisionForm(PortalForm):
    """UNODA's decision on one likely duplicate or related need of the case."""

    reference = forms.CharField(max_length=20, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(kind.value, kind.label) for kind in DUPLICATE_DECISIONS]
    )
    note = forms.CharField(
        label=_("Note (kept with the decision)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TranslationForm(PortalForm):
    """The title and summary of a request in one language (the fields prefixed with it, as a
    page holds one form per language); both empty removes the translation."""

    title = forms.CharField(label=_("Title"), max_length=250, required=False)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, prefix=language, **kwargs)
        for field in ("title", "summary"):
            self.fields[field].widget.attrs["lang"] = language
            self.fields[field].widget.attrs["dir"] = "auto"
