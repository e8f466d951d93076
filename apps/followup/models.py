"""Agreements, implementation (milestones, progress reports) and effectiveness feedback."""

import datetime

from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.currencies import currency_choices
from apps.cases.models import ATTACHMENT_EXTENSIONS
from apps.core.models import TimeStampedModel
from apps.funding.models import (
    cooperation_label,
    cooperation_type_field,
    cooperation_type_valid,
)

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]

# The OECD-DAC evaluation criteria, in their usual order.
CRITERIA = (
    "relevance",
    "coherence",
    "effectiveness",
    "efficiency",
    "impact",
    "sustainability",
)
RATING_FIELDS = (*CRITERIA, "overall")


class Agreement(TimeStampedModel):
    """The signed agreement of a case: who funds, who implements, how much, when."""

    request = models.OneToOneField(
        "cases.AssistanceRequest",
        on_delete=models.PROTECT,
        related_name="agreement",
        verbose_name=_("assistance request"),
    )
    signed_on = models.DateField(_("signed on"))
    donors = models.ManyToManyField(
        "organizations.Organization",
        related_name="funded_agreements",
        limit_choices_to={"is_donor": True},
        verbose_name=_("donors"),
    )
    implementing_partner = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_agreements",
        verbose_name=_("implementing partner"),
        help_text=_("A UN entity, regional centre or NGO that carries out the work, if any."),
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=currency_choices(), default="USD"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    cooperation_type = cooperation_type_field()
    reporting_interval_months = models.PositiveSmallIntegerField(
        _("progress report every (months)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    notes = models.TextField(_("notes"), blank=True)
    first_unreported_period_end = models.DateField(
        _("first unreported period ends"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The last day of the earliest reporting period without a progress report; empty "
            "when every period is reported. Kept by the services that record the agreement "
            "and file reports; the reminders read it."
        ),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ("-signed_on", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="agreement_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="agreement_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(reporting_interval_months__gte=1, reporting_interval_months__lte=12),
                name="agreement_reporting_interval_1_12",
                violation_error_message=_("Reports are due every 1 to 12 months."),
            ),
            cooperation_type_valid("agreement_cooperation_type_valid"),
        ]
        indexes = [
            # The progress-report finder: agreements with a period ended and not reported.
            models.Index(fields=["first_unreported_period_end"], name="agreement_unreported"),
        ]

    def __str__(self) -> str:
        return str(_("Agreement for %(reference)s") % {"reference": self.request.reference})

    @property
    def cooperation_label(self) -> str:
        return cooperation_label(self.cooperation_type)


def agreement_document_upload_to(instance, filename: str) -> str:
    return f"agreements/{instance.agreement.request.reference}/{filename}"


class AgreementDocument(TimeStampedModel):
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("agreement"),
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=agreement_document_upload_to,
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
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")

    def __str__(self) -> str:
        return self.title


class AgreementChangeKind(models.TextChoices):
    CORRECTION = "correction", _("Correction (a mistake in the record fixed)")
    AMENDMENT = "amendment", _("Amendment (a change agreed by the parties)")


class AgreementChange(models.Model):
    """The history of an agreement: each correction or amendment after it was recorded, with
    what changed (``{field: [old, new]}``), why, and the signed amendment if one came with it.
    Written by the services only."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="changes", verbose_name=_("agreement")
    )
    kind = models.CharField(
        pgettext_lazy("kind of agreement change: amendment or correction", "kind"),
        max_length=20,
        choices=AgreementChangeKind.choices,
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason for the change"))
    document = models.ForeignKey(
        AgreementDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed document"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement change")
        verbose_name_plural = _("agreement history")
        ordering = ("created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AgreementChangeKind.values), name="agreement_change_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="agreement_change_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.get_kind_display()}"

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(field label, old, new) for the page, from the stored values alone."""
        return [
            (capfirst(agreement_field(name).verbose_name), _shown(name, old), _shown(name, new))
            for name, (old, new) in self.changes.items()
        ]


def agreement_field(name: str):
    return Agreement._meta.get_field(name)


def _shown(name: str, value) -> str:
    """A stored value as the page shows it: dates in the reader's format, lists joined."""
    if value is None or value == "" or value == []:
        return "\N{EN DASH}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    field = agreement_field(name)
    if isinstance(field, models.DateField):
        return date_format(datetime.date.fromisoformat(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class Milestone(TimeStampedModel):
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("agreement"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completion_note = models.TextField(_("note on completion"), blank=True)
    evidence = models.ForeignKey(
        "cases.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evidence"),
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("marked done by"),
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ("due_date", "pk")
        indexes = [models.Index(fields=["due_date", "completed_on"], name="milestone_due_done")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None


class ProgressStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    DELAYED = "delayed", _("Delayed")
    AT_RISK = "at_risk", _("At risk")


class ProgressReport(TimeStampedModel):
    """A periodic report by the recipient or the implementing partner."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("agreement"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="progress_reports",
        verbose_name=_("reported by (organization)"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(_("status"), max_length=20, choices=ProgressStatus.choices)
    percent_done = models.PositiveSmallIntegerField(
        _("percent done"), validators=[MaxValueValidator(100)]
    )
    narrative = models.TextField(_("narrative"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("submitted by"),
    )

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ("period_start", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="report_period_end_after_start",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(percent_done__lte=100),
                name="report_percent_0_100",
                violation_error_message=_("Percent done is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProgressStatus.values), name="report_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.request.reference} {self.period_start} - {self.period_end}"


def report_attachment_upload_to(instance, filename: str) -> str:
    return f"reports/{instance.report.agreement.request.reference}/{filename}"


class ProgressReportAttachment(TimeStampedModel):
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("progress report"),
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=report_attachment_upload_to,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)],
    )

    class Meta:
        verbose_name = _("progress report attachment")
        verbose_name_plural = _("progress report attachments")

    def __str__(self) -> str:
        return self.title


class IndicatorActual(TimeStampedModel):
    """The value an indicator of the results framework reached by the end of a progress
    report's period, with its evidence."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="actuals",
        verbose_name=_("progress report"),
    )
    indicator = models.ForeignKey(
        "cases.Indicator",
        on_delete=models.PROTECT,
        related_name="actuals",
        verbose_name=_("indicator"),
    )
    value = models.DecimalField(
        _("value reached"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    women = models.DecimalField(
        _("of whom women"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    evidence = models.ForeignKey(
        ProgressReportAttachment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actuals",
        verbose_name=_("evidence"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator actual")
        verbose_name_plural = _("indicator actuals")
        ordering = ("report__period_end", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"],
                name="actual_once_per_report",
                violation_error_message=_("This report already gives a value for the indicator."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="actual_value_not_negative",
                violation_error_message=_("A value reached cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(women__isnull=True) | (Q(women__gte=0) & Q(women__lte=F("value"))),
                name="actual_women_within_value",
                violation_error_message=_("The number of women cannot exceed the value reached."),
            ),
        ]
        indexes = [models.Index(fields=["indicator", "report"], name="actual_indicator_report")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"


def actual_field(indicator_id, name: str) -> str:
    """The name of a field of an actual on the progress report form, and the key of its errors
    from the service: ``actual_12_value``."""
    return f"actual_{indicator_id}_{name}"


class PartyRole(models.TextChoices):
    RECIPIENT = "recipient", _("Recipient")
    DONOR = "donor", _("Donor")


class FeedbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUBMITTED = "submitted", _("Submitted")


def _rating(label):
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=RATING_VALIDATORS
    )


def _rating_in_range(name):
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 5})


class Feedback(TimeStampedModel):
    """One party's effectiveness feedback on one case; opened when implementation completes."""

    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("assistance request"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="feedback",
        verbose_name=_("party"),
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FeedbackStatus.choices,
        default=FeedbackStatus.PENDING,
        editable=False,
    )
    relevance = _rating(_("relevance"))
    coherence = _rating(_("coherence"))
    effectiveness = _rating(_("effectiveness"))
    efficiency = _rating(_("efficiency"))
    impact = _rating(_("impact"))
    sustainability = _rating(_("sustainability"))
    overall = _rating(_("overall rating"))
    what_worked = models.TextField(_("what worked"), blank=True)
    what_did_not_work = models.TextField(_("what did not work"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    share_lessons = models.BooleanField(
        _("UNODA may share our lessons learned"),
        default=False,
        help_text=_(
            "UNODA may publish the lessons learned above, without naming your organization, "
            "on the lessons-learned page that every State and donor of the portal reads."
        ),
    )
    would_work_together_again = models.BooleanField(
        _("would work together again"), null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("submitted by"),
    )

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ("request", "role", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organization"],
                name="feedback_one_per_party",
                violation_error_message=_("This party already has feedback on this case."),
            ),
            *[
                models.CheckConstraint(
                    condition=_rating_in_range(name),
                    name=f"feedback_{name}_1_5",
                    violation_error_message=_("Ratings are from 1 to 5."),
                )
                for name in RATING_FIELDS
            ],
            models.CheckConstraint(
                condition=Q(status=FeedbackStatus.PENDING)
                | Q(
                    submitted_at__isnull=False,
                    **{f"{name}__isnull": False for name in RATING_FIELDS},
                ),
                name="feedback_submitted_is_complete",
                violation_error_message=_("Submitted feedback has every rating."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=FeedbackStatus.values), name="feedback_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(role__in=PartyRole.values), name="feedback_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "role"], name="feedback_status_role")]

    def __str__(self) -> str:
        return f"{self.request.reference}: {self.organization}"

    @property
    def is_submitted(self) -> bool:
        return self.status == FeedbackStatus.SUBMITTED


class FeedbackWaiver(TimeStampedModel):
    """UNODA lets a case close without one party's feedback, saying why."""

    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.CASCADE,
        related_name="feedback_waivers",
        verbose_name=_("assistance request"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("party"),
    )
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("feedback waiver")
        verbose_name_plural = _("feedback waivers")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organization"],
                name="feedback_waiver_one_per_party",
                violation_error_message=_("This party's feedback is already waived."),
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="feedback_waiver_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference}: {self.organization}"


class Lesson(TimeStampedModel):
    """A lesson learned that UNODA publishes from a closed case, with the consent of the party
    (or parties) it comes from, for every State and donor of the portal to read. It names
    neither the case nor the parties: its categories, region and year are shown."""

    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.CASCADE,
        related_name="lessons",
        verbose_name=_("assistance request"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("lesson"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("lesson learned")
        verbose_name_plural = _("lessons learned")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="lesson_has_title"),
            models.CheckConstraint(condition=~Q(body=""), name="lesson_has_body"),
            # A double click publishes once.
            models.UniqueConstraint(
                fields=["request", "title"],
                name="lesson_one_per_title",
                violation_error_message=_("A lesson with this title is already published."),
            ),
        ]

    def __str__(self) -> str:
        return self.title
