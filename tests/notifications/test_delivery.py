"""E-mail delivery: SMTP failures, retries, the outbox when the broker is down, digests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.cases.events import Delivery, Event, Topic
from apps.cases.services import comment_add, request_transition
from apps.funding.services import interest_express
from apps.notifications.models import EmailState, Notification
from apps.notifications.services import (
    notification_preferences_set,
    notifications_build,
    notifications_drain_outbox,
    notifications_send_digests,
)
from apps.notifications.tasks import send_notification_email
from config import celery_app

from ..factories import UserFactory
from ..support.smtp import free_port, smtp_server

pytestmark = pytest.mark.django_db


def make_notification(user):
    """A reminder's notification to ``user``, saved (as the reminder sweep writes one)."""
    (notification,) = notifications_build(
        users=[user],
        event=Event.REMINDER,
        subject_template="notifications/event_body.txt",
        body_template="notifications/event_body.txt",
        context={"sentence": "Please act."},
    )
    notification.save()
    return notification


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
    broker_url = celery_app.conf.broker_url
    celery_app.conf.update(task_always_eager=False, broker_url=dead_broker)
    celery_app._after_fork()  # drop pooled connections to the old broker
    try:
        from apps.notifications.services import notification_enqueue_emails

        assert notification_enqueue_emails(notification_ids=[notification.pk]) == 0
    finally:
        celery_app.conf.update(task_always_eager=eager, broker_url=broker_url)
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
    user = UserFactory()
    notification_preferences_set(user=user, deliveries={Topic.REMINDERS: Delivery.DIGEST})
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


# The French apostrophe (U+2019) and the Chinese full-width colon (U+FF1A), written as escapes.
DIGEST_SUBJECTS = {
    # language: (one notification, five notifications)
    "en": ("Assistance portal: 1 new notification", "Assistance portal: 5 new notifications"),
    "fr": (
        "Portail de l\u2019assistance : 1 nouvelle notification",
        "Portail de l\u2019assistance : 5 nouvelles notifications",
    ),
    "es": (
        "Portal de asistencia: 1 notificación nueva",
        "Portal de asistencia: 5 notificaciones nuevas",
    ),
    "ru": (
        "Портал помощи: 1 новое уведомление",
        "Портал помощи: 5 новых уведомлений",
    ),
    "zh-hans": ("援助门户\uff1a1 条新通知", "援助门户\uff1a5 条新通知"),
    "ar": ("بوابة المساعدة: إشعار جديد (1)", "بوابة المساعدة: 5 إشعارات جديدة"),
}


@pytest.mark.parametrize("language", DIGEST_SUBJECTS)
def test_the_digest_of_one_and_of_five_reads_right(language, mailoutbox):
    user = UserFactory(language=language)
    notification_preferences_set(user=user, deliveries={Topic.REMINDERS: Delivery.DIGEST})
    make_notification(user)
    notifications_send_digests()
    for _n in range(5):
        make_notification(user)
    notifications_send_digests()
    assert [message.subject for message in mailoutbox] == list(DIGEST_SUBJECTS[language])
    assert f'<html lang="{language}"' in mailoutbox[1].alternatives[0][0]


def test_the_digest_leaves_out_a_case_its_reader_may_no_longer_open(make_case, users, mailoutbox):
    case = make_case("published")
    notification_preferences_set(user=users.donor, deliveries={Topic.COMMENTS: Delivery.DIGEST})
    interest_express(actor=users.donor, case=case, donor=users.donor.memberships.get().organization)
    comment_add(actor=users.recipient, case=case, body="Site ready.")
    waiting = Notification.objects.get(user=users.donor, email_state=EmailState.DIGEST)
    # The State withdraws its request: donors no longer see it.
    request_transition(actor=users.recipient, case=case, transition="withdraw", comment="Done.")
    mailoutbox.clear()
    notifications_send_digests()  # UNODA's digest (the interest) goes out
    assert [m.to for m in mailoutbox] == [[users.unoda.email]]
    waiting.refresh_from_db()
    assert waiting.email_state == EmailState.NONE
