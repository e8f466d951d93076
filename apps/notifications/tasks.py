"""Thin tasks: load by id, call one service. Safe to run twice (the services are idempotent)."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from .services import (
    notification_record_email_failure,
    notification_send_email,
    notifications_send_digests,
)

logger = logging.getLogger(__name__)


def retry_countdown(retries: int) -> int:
    """Exponential backoff, capped well below the broker's visibility timeout."""
    base = settings.PORTAL_EMAIL_RETRY_BASE_SECONDS
    return min(base * 2**retries, settings.PORTAL_EMAIL_RETRY_MAX_SECONDS)


@shared_task(bind=True, max_retries=None)
def send_notification_email(self, notification_id: int) -> bool:
    try:
        return notification_send_email(notification_id=notification_id)
    except (SMTPException, OSError) as error:
        # In-process (no broker): no retry loop inside the user's request; the e-mail stays in
        # the outbox and the next sweep tries again.
        final = (
            not self.request.is_eager and self.request.retries >= settings.PORTAL_EMAIL_MAX_RETRIES
        )
        notification_record_email_failure(
            notification_id=notification_id, error=f"{type(error).__name__}: {error}", final=final
        )
        if self.request.is_eager:
            return False
        if final:
            logger.error("E-mail of notification %s failed for good: %s", notification_id, error)
            return False
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries)) from error


@shared_task
def send_daily_digests() -> int:
    return notifications_send_digests()
