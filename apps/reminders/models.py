from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.models import Status
from apps.core.models import TimeStampedModel


class Watch(models.TextChoices):
    """What a rule watches. Each value has one finder in ``apps.reminders.finders``."""

    CASE_STATUS = "case_status", _("A case staying in one status")
    PLEDGE_NOT_CONVERTED = "pledge_not_converted", _("A pledge not committed by its date")
    COMMITMENT_NOT_DISBURSED = (
        "commitment_not_disbursed",
        _("A commitment not fully disbursed some days after it was committed"),
    )
    PROGRESS_REPORT = "progress_report", _("A reporting period ended without a progress report")
    MILESTONE = "milestone", _("A milestone not done by its due date")
    INDICATOR_ACTUALS = (
        "indicator_actuals",
        _("A progress report without values for the indicators of the results framework"),
    )


class ReminderRule(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    message = models.TextField(
        _("message"), help_text=_("The text of the reminder, shown in the e-mail and in the app.")
    )
    watch = models.CharField(_("watches"), max_length=30, choices=Watch.choices)
    status = models.CharField(
        _("case status"),
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text=_("For rules that watch a case staying in one status."),
    )
    delay_days = models.PositiveIntegerField(
        _("delay (days)"),
        validators=[MinValueValidator(0)],
        help_text=_("Days after the case entered the status (or the record fell due)."),
    )
    notify_case_officer = models.BooleanField(_("remind the case officer"), default=False)
    notify_recipient = models.BooleanField(_("remind the requesting State"), default=False)
    notify_donors = models.BooleanField(_("remind the donors of the case"), default=False)
    notify_partner = models.BooleanField(_("remind the implementing partner"), default=False)
    escalate_after_days = models.PositiveIntegerField(
        _("escalate to UNODA after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Days after the reminder; empty: never escalate."),
    )
    is_active = models.BooleanField(_("on"), default=True)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(notify_case_officer=True)
                | Q(notify_recipient=True)
                | Q(notify_donors=True)
                | Q(notify_partner=True),
                name="reminder_rule_has_recipients",
                violation_error_message=_("Choose at least one group of people to remind."),
            ),
            models.CheckConstraint(
                condition=~Q(watch="case_status") | ~Q(status=""),
                name="reminder_rule_status_for_case_watch",
                violation_error_message=_("A rule that watches a case status needs a status."),
            ),
            models.CheckConstraint(
                condition=Q(delay_days__gte=0), name="reminder_rule_delay_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.watch == Watch.CASE_STATUS and not self.status:
            raise ValidationError(
                {"status": _("A rule that watches a case status needs a status.")}
            )


class Stage(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation to UNODA")


class ReminderLog(models.Model):
    """One reminder sent: at most one per rule, case, watched record, due period and stage.

    The unique constraint is what makes a reminder go out once, whatever the retries, restarts
    or overlapping sweeps: the second insert fails, and only the insert that succeeded creates
    the notifications (in the same transaction).
    """

    rule = models.ForeignKey(
        ReminderRule, on_delete=models.CASCADE, related_name="logs", verbose_name=_("rule")
    )
    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.CASCADE,
        related_name="reminder_logs",
        verbose_name=_("assistance request"),
    )
    object_key = models.CharField(
        _("watched record"),
        max_length=60,
        blank=True,
        help_text=_("Empty for the case itself, e.g. 'commitment:12' for a record."),
    )
    period_start = models.DateTimeField(
        _("due period"), help_text=_("When the watched item entered its due period.")
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    due_at = models.DateTimeField(pgettext_lazy("date by which something is due", "due"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("people reminded"), default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "request", "object_key", "period_start", "stage"],
                name="reminder_once_per_rule_case_period",
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="reminderlog_created")]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.request_id} {self.stage}"
