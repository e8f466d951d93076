"""Thin tasks over the reminder services; both are safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from apps.notifications.services import notification_record_email_failure
from apps.notifications.tasks import retry_countdown

from .services import reminder_deliver, reminders_sweep

logger = logging.getLogger(__name__)


@shared_task
def run_sweep() -> int:
    report = reminders_sweep()
    logger.info("Reminder sweep: %s sent, %s e-mails queued", report.total, report.emails_queued)
    return report.total


@shared_task(bind=True, max_retries=None)
def deliver_reminder(self, log_id: int) -> int:
    try:
        return reminder_deliver(log_id=log_id)
    except (SMTPException, OSError) as error:
        from .models import ReminderLog

        final = (
            not self.request.is_eager and self.request.retries >= settings.PORTAL_EMAIL_MAX_RETRIES
        )
        log = ReminderLog.objects.get(pk=log_id)
        for pk in log.notifications.filter(email_state="pending").values_list("pk", flat=True):
            notification_record_email_failure(
                notification_id=pk, error=f"{type(error).__name__}: {error}", final=final
            )
        if self.request.is_eager:
            return 0
        if final:
            logger.error("Reminder %s: e-mail failed for good: %s", log_id, error)
            return 0
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries)) from error
