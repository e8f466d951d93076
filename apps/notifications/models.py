from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.events import Delivery, Event, Topic


class EmailState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DIGEST = "digest", _("Waiting for the daily digest")
    SENT = "sent", pgettext_lazy("e-mail delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("e-mail delivery status", "Failed")
    NONE = "none", _("No e-mail")


class Notification(models.Model):
    """An in-app notification for one user, and the outbox row for its e-mail.

    Created in the same transaction as the event it reports (``apps.cases.events``), so it
    exists exactly when the event does; the e-mail is sent afterwards by a task, and a
    notification whose e-mail is still pending (e.g. Redis was down) is picked up by the sweep.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("event"), max_length=40, choices=Event.choices)
    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("assistance request"),
    )
    status_change = models.ForeignKey(
        "cases.StatusChange",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("status change"),
    )
    reminder = models.ForeignKey(
        "reminders.ReminderLog",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("reminder"),
    )
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_error = models.TextField(_("last e-mail error"), blank=True)
    email_enqueued_at = models.DateTimeField(_("e-mail queued"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["email_state", "created_at"], name="notification_email_outbox"),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(models.Model):
    """How one person hears of one topic; a topic without a row takes its role's default
    (``apps.cases.events.ROLE_DEFAULTS``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_topic_display()}: {self.get_delivery_display()}"
