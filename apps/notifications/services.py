"""Notifications: in-app rows created with the event, e-mail sent after commit from an outbox.

The Notification row is the outbox: it is written in the same transaction as the event that
causes it, so it exists exactly when the event does. After commit a task is queued per e-mail;
if the broker is down the row simply stays pending and the periodic sweep queues it later. The
sending task locks the row and sends only while it is pending, so a retried or duplicated task
never sends twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from apps.accounts.models import NotificationFrequency

from .models import EmailState, Notification, NotificationKind

logger = logging.getLogger(__name__)


def _email_state_for(user) -> str:
    if not user.email:
        return EmailState.NONE
    if user.notification_frequency == NotificationFrequency.DAILY:
        return EmailState.DIGEST
    return EmailState.PENDING


def notifications_build(
    *, users, kind, subject_template, body_template, context, request=None, **links
) -> list[Notification]:
    """One (unsaved) notification per user, each in the user's own language.

    The texts do not depend on the person (only on the language), so each language is
    rendered once however many people are notified.
    """
    url = reverse("cases:request-detail", args=[request.reference]) if request else ""
    texts: dict[str, tuple[str, str]] = {}
    notifications = []
    for user in users:
        if user.language not in texts:
            with translation.override(user.language):
                full_context = {"site_url": settings.PORTAL_SITE_URL, **context}
                texts[user.language] = (
                    render_to_string(subject_template, full_context).strip()[:250],
                    render_to_string(body_template, full_context).strip(),
                )
        subject, body = texts[user.language]
        notifications.append(
            Notification(
                user=user,
                kind=kind,
                request=request,
                subject=subject,
                body=body,
                url=url,
                email_state=_email_state_for(user),
                **links,
            )
        )
    return notifications


def notifications_create(**options) -> list[Notification]:
    """``notifications_build``, saved in one insert."""
    created = Notification.objects.bulk_create(notifications_build(**options))
    return created


def _status_change_recipients(change):
    case = change.request
    users = {
        membership.user
        for membership in case.requesting_organization.memberships.select_related("user")
        if membership.user.is_active
    }
    if case.case_officer and case.case_officer.is_active:
        users.add(case.case_officer)
    users.discard(change.actor)
    return sorted(users, key=lambda user: user.pk)


def notifications_for_status_change(*, change) -> list[Notification]:
    """Called inside the transition's transaction; e-mails go out after commit."""
    created = notifications_create(
        users=_status_change_recipients(change),
        kind=NotificationKind.STATUS_CHANGE,
        subject_template="notifications/status_change_subject.txt",
        body_template="notifications/status_change_body.txt",
        context={"change": change, "case": change.request},
        request=change.request,
        status_change=change,
    )
    notification_enqueue_emails_on_commit(notifications=created)
    return created


def notification_enqueue_emails_on_commit(*, notifications) -> None:
    ids = [n.pk for n in notifications if n.email_state == EmailState.PENDING]
    if ids:
        transaction.on_commit(lambda: notification_enqueue_emails(notification_ids=ids))


def notification_enqueue_emails(*, notification_ids) -> int:
    """Queue one sending task per e-mail; with the broker down, leave them for the sweep."""
    from .tasks import send_notification_email

    queued = []
    for notification_id in notification_ids:
        try:
            send_notification_email.delay(notification_id)
        except OperationalError:
            logger.warning(
                "Broker unavailable: e-mail of notification %s left in the outbox", notification_id
            )
            break
        queued.append(notification_id)
    if queued:
        Notification.objects.filter(pk__in=queued, email_state=EmailState.PENDING).update(
            email_enqueued_at=timezone.now()
        )
    return len(queued)


def notifications_drain_outbox(*, now=None, limit: int = 500) -> int:
    """Queue e-mails that were never queued (broker down) or whose task was lost."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.PORTAL_OUTBOX_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    ids = list(
        Notification.objects.filter(email_state=EmailState.PENDING, created_at__lte=grace)
        .filter(Q(email_enqueued_at__isnull=True) | Q(email_enqueued_at__lte=stale))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return notification_enqueue_emails(notification_ids=ids)


def _send(*, user, subject, text_template, html_template, context, message_id=None) -> None:
    with translation.override(user.language):
        context = {"user": user, "site_url": settings.PORTAL_SITE_URL, **context}
        text = render_to_string(text_template, context)
        html = render_to_string(html_template, context)
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()


def notification_send_email(*, notification_id: int) -> bool:
    """Send the e-mail of one notification if it is still pending. True if this call sent it.

    The row is locked while sending: a second task for the same notification either waits and
    then finds it sent, or (skip_locked) finds nothing to do. An SMTP error rolls back and
    propagates, leaving the e-mail pending for the retry.
    """
    with transaction.atomic():
        # of=("self",): lock only this row, not the joined user row that other e-mails to the
        # same person share (skip_locked would otherwise skip them).
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notification_id, email_state=EmailState.PENDING)
            .first()
        )
        if notification is None:
            return False
        _send(
            user=notification.user,
            subject=notification.subject,
            text_template="notifications/email/notification.txt",
            html_template="notifications/email/notification.html",
            context={"notification": notification},
            # The same Message-ID on a resend lets mail systems drop the duplicate.
            message_id=f"<notification-{notification.pk}@{settings.PORTAL_MAIL_DOMAIN}>",
        )
        notification.email_state = EmailState.SENT
        notification.emailed_at = timezone.now()
        notification.email_attempts += 1
        notification.save(update_fields=["email_state", "emailed_at", "email_attempts"])
    return True


def notification_record_email_failure(*, notification_id: int, error: str, final: bool) -> None:
    fields = {"email_error": error[:2000]}
    if final:
        fields["email_state"] = EmailState.FAILED
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.email_state != EmailState.PENDING:
            return
        for name, value in fields.items():
            setattr(notification, name, value)
        notification.email_attempts += 1
        notification.save(update_fields=[*fields, "email_attempts"])


def notifications_send_digests(*, now=None) -> int:
    """One e-mail per user who chose the daily digest, with everything not yet e-mailed."""
    now = now or timezone.now()
    user_ids = (
        Notification.objects.filter(email_state=EmailState.DIGEST)
        .order_by()  # else the model's ordering makes every notification distinct
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(user_ids):
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(user_id=user_id, email_state=EmailState.DIGEST)
                .order_by("created_at")
            )
            if not items:
                continue
            user = items[0].user
            with translation.override(user.language):
                subject = _("Assistance portal: %(count)s new notifications") % {
                    "count": len(items)
                }
            _send(
                user=user,
                subject=subject,
                text_template="notifications/email/digest.txt",
                html_template="notifications/email/digest.html",
                context={"notifications": items},
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                email_state=EmailState.SENT, emailed_at=now
            )
            sent += 1
    return sent


def notification_mark_read(*, user, notification_id: int) -> bool:
    marked = Notification.objects.filter(
        pk=notification_id, user=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return bool(marked)


def notification_mark_all_read(*, user) -> int:
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return marked
