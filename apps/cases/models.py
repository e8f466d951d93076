from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Concat, Greatest, Least, Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from modeltranslation.utils import build_localized_fieldname

from apps.core.choices import display_of
from apps.core.models import TimeStampedModel

from .currencies import currency_choices


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("case status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("case status", "Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    NEEDS_REVISION = "needs_revision", _("Needs revision")
    PUBLISHED = "published", pgettext_lazy("case status", "Published")
    DONOR_INTEREST = "donor_interest", _("Donor interest")
    AGREEMENT = "agreement", pgettext_lazy("case status", "Agreement")
    IMPLEMENTATION = "implementation", pgettext_lazy("case status", "Implementation")
    FEEDBACK = "feedback", pgettext_lazy("case status", "Feedback")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("case status", "Withdrawn")
    DECLINED = "declined", pgettext_lazy("case status", "Declined")


class Visibility(models.TextChoices):
    UNODA_ONLY = "unoda_only", _("UNODA only")
    ALL_DONORS = "all_donors", _("All donors")
    SELECTED_DONORS = "selected_donors", _("Selected donors")
    PUBLIC_SUMMARY = "public_summary", _("All donors and a public summary")


class Priority(models.IntegerChoices):
    HIGH = 1, pgettext_lazy("national priority level", "High")
    MEDIUM = 2, pgettext_lazy("national priority level", "Medium")
    LOW = 3, pgettext_lazy("national priority level", "Low")


class NationalDocument(models.TextChoices):
    """The national document a request comes from (the PoA asks that needs be tied to national
    reports and action plans)."""

    NATIONAL_REPORT = "national_report", _("PoA national report")
    ACTION_PLAN = "action_plan", _("National action plan")
    OTHER = "other", _("Other national document")


class Category(models.Model):
    """A PoA assistance area; names and descriptions are translated (modeltranslation)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    isacs_modules = models.CharField(
        _("ISACS modules"),
        max_length=200,
        blank=True,
        help_text=_("Related ISACS modules, for example 05.30, 05.40."),
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assistance category")
        verbose_name_plural = _("assistance categories")
        ordering = ("position", "code")

    def __str__(self) -> str:
        return self.name


class AssistanceKind(models.Model):
    """Kind of help: financial, technical, equipment, training, expertise."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )

    class Meta:
        verbose_name = _("kind of assistance")
        verbose_name_plural = _("kinds of assistance")
        ordering = ("position", "code")

    def __str__(self) -> str:
        return self.name


class ReferenceCounter(models.Model):
    """The last number used for case references in one year (locked row, no gaps in races)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def _search_text():
    """What the case search reads: the reference and the title in each language, upper-cased
    once when the row is written (the search then compares without a function per row), kept
    by the database itself."""
    parts = [F("reference")]
    for code, _name in settings.LANGUAGES:
        parts += [models.Value(" "), F(build_localized_fieldname("title", code))]
    return Upper(Concat(*parts, output_field=models.TextField()))


class AssistanceRequest(TimeStampedModel):
    """The case: one State's request for assistance, followed from draft to closure."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    requesting_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("requesting organization"),
    )
    # Title and summary are translated (modeltranslation: title_en, title_fr, ...); the State
    # writes them in ``original_language`` and UNODA may add the other languages.
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the title and summary were written in."),
    )

    # Sections of the project-proposal template.
    background = models.TextField(_("background"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    activities = models.TextField(_("activities and budget lines"), blank=True)
    expected_results = models.TextField(_("expected results"), blank=True)
    beneficiaries = models.TextField(_("beneficiaries"), blank=True)
    national_ownership = models.TextField(_("national ownership"), blank=True)
    sustainability = models.TextField(_("sustainability"), blank=True)
    risks = models.TextField(_("risks"), blank=True)

    categories = models.ManyToManyField(
        Category, related_name="requests", blank=True, verbose_name=_("categories")
    )
    kinds = models.ManyToManyField(
        AssistanceKind, related_name="requests", blank=True, verbose_name=_("kinds of help")
    )
    budget_amount = models.DecimalField(
        _("estimated budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_currency = models.CharField(
        _("currency"), max_length=3, choices=currency_choices(), default="USD"
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    priority = models.PositiveSmallIntegerField(
        _("national priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    national_document = models.CharField(
        _("comes from"), max_length=20, choices=NationalDocument.choices, blank=True
    )
    national_document_title = models.CharField(
        _("title of the national document"), max_length=200, blank=True
    )
    national_document_year = models.PositiveSmallIntegerField(
        _("year of the national document"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2001), MaxValueValidator(2100)],
    )
    poa_cycle = models.PositiveSmallIntegerField(
        _("PoA reporting cycle"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2002), MaxValueValidator(2100)],
        help_text=_("The year of the PoA meeting the national report was submitted for."),
    )
    national_report_url = models.URLField(_("link to the national document"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.ALL_DONORS
    )
    selected_donors = models.ManyToManyField(
        "organizations.Organization",
        related_name="selected_for_requests",
        blank=True,
        limit_choices_to={"is_donor": True},
        verbose_name=_("selected donors"),
        help_text=_("Only used when the visibility is 'selected donors'."),
    )
    case_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="officer_cases",
        limit_choices_to={"is_unoda_officer": True},
        verbose_name=_("case officer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    filled_by_unoda = models.BooleanField(
        _("filled in by UNODA on the State's behalf"), default=False, editable=False
    )
    due_date = models.DateField(_("next due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    status_changed_at = models.DateTimeField(_("in this status since"), editable=False)
    # On PostgreSQL a trigram index serves it (migration 0012).
    search_text = models.GeneratedField(
        expression=_search_text(), output_field=models.TextField(), db_persist=True
    )

    class Meta:
        verbose_name = _("assistance request")
        verbose_name_plural = _("assistance requests")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="request_budget_not_negative",
                violation_error_message=_("The budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="request_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="request_status_since"),
            # The queue's default order (most days in the current state first).
            models.Index(fields=["status_changed_at", "id"], name="request_since"),
            models.Index(fields=["case_officer", "status"], name="request_officer_status"),
            models.Index(fields=["requesting_organization", "status"], name="request_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_status_display(self) -> str:
        return display_of(Status, self.status)


class HistoryEvent(models.TextChoices):
    """What the portal itself says of a transition that a record fired (or a decision brought
    about): stored as this kind with its values (``StatusChange.organization`` and ``values``)
    and worded in the reader's language when read (``apps.cases.history``), never as a
    sentence in the actor's language."""

    INTEREST_EXPRESSED = "interest_expressed", _("Interest expressed")
    FUNDING_PLEDGED = "funding_pledged", _("Funding pledged")
    INTEREST_WITHDRAWN = "interest_withdrawn", _("Interest withdrawn")
    DUPLICATE_OF = "duplicate_of", _("Withdrawn as a duplicate")


class StatusChange(models.Model):
    """One row per fired transition: who moved the case from where to where, and why.

    ``comment`` holds only what the actor wrote; what the portal adds is structured:
    ``event`` with the donor it names (``organization``) and its ``values`` (whether the donor
    is named, the reference of the case a duplicate repeats, the confirmations the actor went
    past)."""

    request = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("assistance request"),
    )
    transition = models.CharField(_("transition"), max_length=40)
    from_status = models.CharField(
        pgettext_lazy("status transition: the earlier status", "from"),
        max_length=20,
        choices=Status.choices,
    )
    to_status = models.CharField(
        pgettext_lazy("status transition: the new status", "to"),
        max_length=20,
        choices=Status.choices,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    comment = models.TextField(_("comment"), blank=True)
    event = models.CharField(_("event"), max_length=30, blank=True, choices=HistoryEvent.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    values = models.JSONField(_("event details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ("created_at", "pk")
        indexes = [models.Index(fields=["request", "created_at"], name="statuschange_request_time")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} -> {self.to_status}"

    def get_from_status_display(self) -> str:
        return display_of(Status, self.from_status)

    def get_to_status_display(self) -> str:
        return display_of(Status, self.to_status)


class LinkKind(models.TextChoices):
    """How one case relates to another (the "multiplier effect"), read from the case that
    makes the link; ``LINK_INVERSE`` words it from the other case."""

    BUILDS_ON = "builds_on", _("builds on")
    COMPLEMENTS = "complements", _("complements")
    REPEATS = "repeats", _("repeats")
    # UNODA's decisions on a likely duplicate or related need (apps/cases/duplicates.py).
    RELATED = "related", _("is related to")
    DUPLICATES = "duplicates", _("duplicates")
    DISTINCT = "distinct", _("is not a duplicate of")


# The links an officer makes by hand (the form "Link a related case"), and UNODA's decisions on
# a likely duplicate (services.case_duplicate_decide: "duplicates" withdraws the case).
LINKS_BY_HAND = (LinkKind.BUILDS_ON, LinkKind.COMPLEMENTS, LinkKind.REPEATS, LinkKind.RELATED)
DUPLICATE_DECISIONS = (LinkKind.DISTINCT, LinkKind.DUPLICATES, LinkKind.RELATED)

# The same link as seen from the case it points to.
LINK_INVERSE = {
    LinkKind.BUILDS_ON: _("is built on by"),
    LinkKind.COMPLEMENTS: _("is complemented by"),
    LinkKind.REPEATS: _("is repeated by"),
    LinkKind.RELATED: _("is related to"),
    LinkKind.DUPLICATES: _("is duplicated by"),
    LinkKind.DISTINCT: _("is not a duplicate of"),
}


class CaseLink(models.Model):
    """``from_case`` builds on / complements / repeats ``to_case``: shown on both cases, in
    the inverse wording on ``to_case``. One link per pair of cases, whichever its direction."""

    from_case = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="links_from",
        verbose_name=pgettext_lazy("an assistance request handled as a file", "case"),
    )
    to_case = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="links_to",
        verbose_name=_("related case"),
    )
    kind = models.CharField(
        _("relation"), max_length=20, choices=LinkKind.choices, default=LinkKind.COMPLEMENTS
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    created_at = models.DateTimeField(_("linked on"), auto_now_add=True)

    class Meta:
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        ordering = ("created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_case=F("to_case")),
                name="caselink_not_to_itself",
                violation_error_message=_("A case cannot be linked to itself."),
            ),
            # A -> B and B -> A are the same pair: one link at most, whichever its direction.
            models.UniqueConstraint(
                Least("from_case", "to_case"),
                Greatest("from_case", "to_case"),
                name="caselink_one_per_pair",
                violation_error_message=_("These two cases are already linked."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LinkKind.values), name="caselink_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.kind} {self.to_case_id}"

    def get_kind_display(self) -> str:
        return display_of(LinkKind, self.kind)

    def inverse_kind_display(self) -> str:
        return str(LINK_INVERSE[self.kind])


class CommentVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal to UNODA")
    SHARED = "shared", _("Shared with the parties")


class Comment(models.Model):
    """A comment in a case's thread: internal ones are for UNODA's eyes only."""

    request = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("assistance request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=CommentVisibility.choices,
        default=CommentVisibility.SHARED,
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ("created_at", "pk")
        indexes = [models.Index(fields=["request", "created_at"], name="comment_request_time")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"


class AttachmentKind(models.TextChoices):
    PROPOSAL = "proposal", _("Project proposal")
    BUDGET = "budget", _("Budget")
    NATIONAL_REPORT = "national_report", _("National report")
    EVIDENCE = "evidence", _("Evidence of a milestone")
    OTHER = "other", pgettext_lazy("type of document", "Other")


ATTACHMENT_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "odt",
    "xls",
    "xlsx",
    "ods",
    "csv",
    "txt",
    "png",
    "jpg",
]


def attachment_upload_to(instance, filename: str) -> str:
    return f"requests/{instance.request.reference}/{filename}"


class Attachment(TimeStampedModel):
    request = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("assistance request"),
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=attachment_upload_to,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)],
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class RequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("user permission on a request")
        verbose_name_plural = _("user permissions on requests")


class RequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("group permission on a request")
        verbose_name_plural = _("group permissions on requests")


class Activity(models.Model):
    """One activity line of a request's proposal: what will be done and, optionally, its
    estimated cost in the case's budget currency. The narrative ``activities`` text stays; the
    lines are the list that donors' interests and commitments say they cover. A line is stored
    in the language it was written in (as the proposal's other texts)."""

    request = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="activity_lines",
        verbose_name=_("assistance request"),
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )
    description = models.TextField(_("activity"))
    estimated_cost = models.DecimalField(
        _("estimated cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In the budget currency of the request; optional."),
    )
    output = models.ForeignKey(
        "Result",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activity_lines",
        limit_choices_to={"level": "output"},
        verbose_name=_("serves the output"),
    )

    class Meta:
        verbose_name = _("activity line")
        verbose_name_plural = _("activity lines")
        ordering = ("request", "position", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="activity_cost_not_negative",
                violation_error_message=_("An estimated cost cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="activity_description_not_empty",
                violation_error_message=_("Describe the activity."),
            ),
        ]
        indexes = [models.Index(fields=["request", "position"], name="activity_request_position")]

    def __str__(self) -> str:
        return self.description[:80]


# The results framework (logical framework) of a proposal: outcomes, the outputs that serve
# them, and indicators on both, each with its baseline and target. Actuals are reported per
# progress report (``followup.IndicatorActual``); how an indicator stands against its target is
# computed in ``apps.cases.results``.


class ResultLevel(models.TextChoices):
    OUTCOME = "outcome", pgettext_lazy("results framework level", "Outcome")
    OUTPUT = "output", _("Output")


class IndicatorMeasure(models.IntegerChoices):
    """IATI's IndicatorMeasure codes that the portal uses."""

    UNIT = 1, pgettext_lazy("indicator measure", "Units")
    PERCENTAGE = 2, pgettext_lazy("indicator measure", "Percentage")


class IndicatorTemplate(models.Model):
    """A common indicator offered for a category's proposals (reference data, translated,
    editable by system administrators)."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="indicator_templates",
        verbose_name=_("category"),
    )
    name = models.CharField(_("indicator"), max_length=250)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    measure = models.PositiveSmallIntegerField(
        _("measure"), choices=IndicatorMeasure.choices, default=IndicatorMeasure.UNIT
    )
    ascending = models.BooleanField(_("higher is better"), default=True)
    by_sex = models.BooleanField(_("disaggregated by sex"), default=False)
    means_of_verification = models.TextField(_("means of verification"), blank=True)
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator template")
        verbose_name_plural = _("indicator templates")
        ordering = ("category__position", "position", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__in=IndicatorMeasure.values), name="template_measure_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Result(models.Model):
    """An outcome or an output of a request's results framework. An output may name the
    outcome it serves; activity lines name the output they serve."""

    request = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("assistance request"),
    )
    level = models.CharField(_("level"), max_length=10, choices=ResultLevel.choices)
    outcome = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outputs",
        verbose_name=_("serves the outcome"),
    )
    statement = models.TextField(_("result"))
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ("request", "level", "position", "pk")  # "outcome" sorts before "output"
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=ResultLevel.values), name="result_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(level=ResultLevel.OUTPUT) | Q(outcome__isnull=True),
                name="result_outcome_only_on_outputs",
                violation_error_message=_("Only an output serves an outcome."),
            ),
            models.CheckConstraint(
                condition=~Q(statement=""),
                name="result_statement_not_empty",
                violation_error_message=_("State the result."),
            ),
        ]
        indexes = [models.Index(fields=["request", "level", "position"], name="result_order")]

    def __str__(self) -> str:
        return self.statement[:80]


class Indicator(models.Model):
    """How a result is measured: from a baseline to a target, by a date, with the means of
    verification; disaggregated by sex where it counts people."""

    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("result")
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )
    name = models.CharField(_("indicator"), max_length=250)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    measure = models.PositiveSmallIntegerField(
        _("measure"), choices=IndicatorMeasure.choices, default=IndicatorMeasure.UNIT
    )
    ascending = models.BooleanField(
        _("higher is better"),
        default=True,
        help_text=_("Untick where the aim is to bring the value down."),
    )
    baseline_value = models.DecimalField(
        _("baseline"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    means_of_verification = models.TextField(_("means of verification"), blank=True)
    by_sex = models.BooleanField(
        _("disaggregated by sex"),
        default=False,
        help_text=_("Where the indicator counts people: report how many of them are women."),
    )
    template = models.ForeignKey(
        IndicatorTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from the template"),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ("result", "position", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__in=IndicatorMeasure.values), name="indicator_measure_valid"
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="indicator_name_not_empty",
                violation_error_message=_("Name the indicator."),
            ),
            models.CheckConstraint(
                condition=(Q(baseline_value__isnull=True) | Q(baseline_value__gte=0))
                & (Q(target_value__isnull=True) | Q(target_value__gte=0)),
                name="indicator_values_not_negative",
                violation_error_message=_("A baseline or a target cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(measure=IndicatorMeasure.PERCENTAGE)
                | (
                    (Q(baseline_value__isnull=True) | Q(baseline_value__lte=100))
                    & (Q(target_value__isnull=True) | Q(target_value__lte=100))
                ),
                name="indicator_percentage_0_100",
                violation_error_message=_("A percentage is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_date__isnull=True)
                | Q(target_date__isnull=True)
                | Q(target_date__gt=F("baseline_date")),
                name="indicator_target_after_baseline",
                violation_error_message=_("The target date must come after the baseline date."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_measurable(self) -> bool:
        """A measurable indicator has a unit (or is a percentage), a baseline and a dated
        target: what the completeness check counts per outcome."""
        return (
            (bool(self.unit.strip()) or self.measure == IndicatorMeasure.PERCENTAGE)
            and self.baseline_value is not None
            and self.target_value is not None
            and self.target_date is not None
        )
