"""E-mail delivery: SMTP failures, retries, the outbox when the broker is down, digests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import EmailState, Notification, NotificationKind
from apps.notifications.services import (
    notifications_create,
    notifications_drain_outbox,
    notifications_send_digests,
)
from apps.notifications.tasks import send_notification_email
from config import celery_app

from ..factories import UserFactory
from ..support.smtp import free_port, smtp_server

pytestmark = pytest.mark.django_db


def make_notification(user, **extra):
    return notifications_create(
        users=[user],
        kind=NotificationKind.REMINDER,
        subject_template="notifications/status_change_subject.txt",
        body_template="notifications/status_change_body.txt",
        context={"case": extra.pop("case", None), "change": None},
        **extra,
    )[0]


@pytest.fixture
def smtp_settings(settings):
    def use(port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_TIMEOUT = 5

    return use


def test_smtp_failure_in_process_leaves_the_email_for_the_next_sweep(smtp_settings, mailoutbox):
    # No broker (embedded default): no retry loop in the request; the outbox keeps the e-mail.
    notification = make_notification(UserFactory())
    with smtp_server(fail_first=1) as (controller, handler):
        smtp_settings(controller.port)
        assert send_notification_email.apply(args=[notification.pk]).get() is False
        notification.refresh_from_db()
        assert notification.email_state == EmailState.PENDING
        assert notification.email_attempts == 1
        assert "451" in notification.email_error
        assert notifications_drain_outbox(now=timezone.now() + timedelta(hours=2)) == 1
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert len(handler.messages) == 1


def test_a_sent_email_is_never_sent_again(mailoutbox):
    notification = make_notification(UserFactory())
    send_notification_email.apply(args=[notification.pk])
    send_notification_email.apply(args=[notification.pk])
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"].startswith(f"<notification-{notification.pk}@")


def test_broker_down_leaves_the_email_in_the_outbox_then_the_sweep_sends_it(mailoutbox):
    user = UserFactory()
    notification = make_notification(user)
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=False, broker_url=dead_broker)
    celery_app._after_fork()  # drop pooled connections to the old broker
    try:
        from apps.notifications.services import notification_enqueue_emails

        assert notification_enqueue_emails(notification_ids=[notification.pk]) == 0
    finally:
        celery_app.conf.update(task_always_eager=eager, broker_url="redis://127.0.0.1:6379/15")
        celery_app._after_fork()
    notification.refresh_from_db()
    assert notification.email_state == EmailState.PENDING
    assert notification.email_enqueued_at is None
    assert mailoutbox == []
    # The broker is back: the sweep drains the outbox (after a grace period).
    assert notifications_drain_outbox(now=timezone.now()) == 0
    assert notifications_drain_outbox(now=timezone.now() + timedelta(minutes=5)) == 1
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert len(mailoutbox) == 1


def test_daily_digest_users_get_one_email(mailoutbox):
    user = UserFactory(notification_frequency="daily")
    first, second = make_notification(user), make_notification(user)
    assert {first.email_state, second.email_state} == {EmailState.DIGEST}
    send_notification_email.apply(args=[first.pk])  # an immediate send ignores digest items
    assert mailoutbox == []
    assert notifications_send_digests() == 1
    assert len(mailoutbox) == 1
    assert "2 new notifications" in mailoutbox[0].subject
    assert notifications_send_digests() == 0
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_user_without_email_gets_in_app_only():
    notification = make_notification(UserFactory(email=""))
    assert notification.email_state == EmailState.NONE
