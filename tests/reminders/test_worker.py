"""Against a real Celery worker on a real Redis: delivery, a killed worker, Redis restarting,
SMTP failing then recovering. Each reminder and e-mail still goes out exactly once."""

import datetime
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.cases import services as case_services
from apps.notifications.models import EmailState, Notification
from apps.notifications.services import notifications_drain_outbox
from apps.reminders.models import ReminderLog, ReminderRule
from apps.reminders.services import reminders_sweep
from apps.reminders.tasks import deliver_reminder

from ..support.smtp import free_port, smtp_server
from ..support.worker import (
    RedisServer,
    celery_worker,
    mails_in,
    publishing_to,
    tasks_done,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def shared_broker():
    import redis

    redis.Redis.from_url(settings.TEST_SPARE_REDIS_URL).flushdb()
    return settings.TEST_SPARE_REDIS_URL


@pytest.fixture
def mail_env(tmp_path):
    directory = tmp_path / "mail"
    directory.mkdir()
    env = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(directory),
    }
    return directory, env


def due_reminder(make_case):
    """One case due for 'submitted-not-triaged' (reminding the one UNODA officer)."""
    ReminderRule.objects.exclude(code="submitted-not-triaged").update(is_active=False)
    ReminderRule.objects.filter(code="submitted-not-triaged").update(escalate_after_days=None)
    case = make_case("submitted")
    return case, timezone.now() + timedelta(days=8)


def reminder_notification(case):
    return Notification.objects.get(reminder__request=case)


def test_a_real_worker_delivers_each_reminder_once(
    make_case, users, tmp_path, mail_env, shared_broker
):
    mail_dir, env = mail_env
    case, later = due_reminder(make_case)
    with (
        celery_worker(broker_url=shared_broker, log_dir=tmp_path, env=env),
        publishing_to(shared_broker),
    ):
        assert reminders_sweep(now=later).total == 1
        notification = reminder_notification(case)
        wait_until(
            lambda: Notification.objects.get(pk=notification.pk).email_state == EmailState.SENT,
            what="the reminder e-mail",
        )
        # The same delivery twice more (a redelivery, a manual re-run), and a second sweep.
        log = ReminderLog.objects.get(request=case)
        deliver_reminder.delay(log.pk)
        deliver_reminder.delay(log.pk)
        assert reminders_sweep(now=later).total == 0
        wait_until(
            lambda: tasks_done("apps.reminders.tasks.deliver_reminder") == 3,
            what="three deliveries",
        )
    assert len(mails_in(mail_dir)) == 1
    assert ReminderLog.objects.filter(request=case).count() == 1


def test_a_worker_killed_mid_task_does_not_lose_or_double_the_email(
    make_case, users, tmp_path, mail_env, shared_broker
):
    mail_dir, env = mail_env
    marker = tmp_path / "sending"
    case, later = due_reminder(make_case)
    fast_redelivery = {"PORTAL_BROKER_VISIBILITY_TIMEOUT": "3"}
    hanging = {
        **env,
        **fast_redelivery,
        "PORTAL_TEST_SENDING_MARKER": str(marker),
        "DJANGO_EMAIL_BACKEND": "tests.support.slow_mail.HangingFileBackend",
    }
    with publishing_to(shared_broker):
        with celery_worker(broker_url=shared_broker, log_dir=tmp_path, env=hanging) as first:
            assert reminders_sweep(now=later).total == 1
            wait_until(marker.exists, what="the worker to start sending")
            first.kill()  # SIGKILL in the middle of the task
            first.wait(10)
        notification = reminder_notification(case)
        assert notification.email_state == EmailState.PENDING  # its transaction rolled back
        assert mails_in(mail_dir) == []
        # The task was never acknowledged: a new worker gets it again and sends it, once.
        with celery_worker(
            broker_url=shared_broker, log_dir=tmp_path, env={**env, **fast_redelivery}
        ):
            wait_until(
                lambda: Notification.objects.get(pk=notification.pk).email_state == EmailState.SENT,
                what="the redelivered task",
            )
    assert len(mails_in(mail_dir)) == 1
    assert ReminderLog.objects.filter(request=case).count() == 1


def test_redis_down_when_a_case_moves_then_back(make_case, users, tmp_path, mail_env):
    mail_dir, env = mail_env
    case = make_case("submitted")
    redis_server = RedisServer(free_port())
    redis_server.start()
    try:
        with (
            celery_worker(broker_url=redis_server.url, log_dir=tmp_path, env=env),
            publishing_to(redis_server.url),
        ):
            redis_server.stop()
            # The officer's action succeeds although the broker is down...
            case_services.request_transition(
                actor=users.unoda, case=case, transition="start_review"
            )
            case.refresh_from_db()
            assert case.status == "under_review"
            notification = Notification.objects.get(
                user=users.recipient, status_change__to_status="under_review"
            )
            assert notification.email_state == EmailState.PENDING
            assert notification.email_enqueued_at is None
            # ...and once Redis is back, the sweep's outbox drain gets the e-mail out, once.
            redis_server.start()
            wait_until(
                lambda: notifications_drain_outbox(now=timezone.now() + timedelta(minutes=5)) == 1,
                what="the outbox to reach the broker again",
            )
            wait_until(
                lambda: Notification.objects.get(pk=notification.pk).email_state == EmailState.SENT,
                what="the e-mail after Redis came back",
            )
    finally:
        redis_server.stop()
    assert len(mails_in(mail_dir)) == 1


def test_smtp_failing_then_recovering(make_case, users, tmp_path, shared_broker):
    case = make_case("submitted")
    with smtp_server(fail_first=2) as (controller, handler):
        env = {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(controller.port),
        }
        with (
            celery_worker(broker_url=shared_broker, log_dir=tmp_path, env=env),
            publishing_to(shared_broker),
        ):
            case_services.request_transition(
                actor=users.unoda, case=case, transition="start_review"
            )
            notification = Notification.objects.get(
                user=users.recipient, status_change__to_status="under_review"
            )
            wait_until(
                lambda: Notification.objects.get(pk=notification.pk).email_state == EmailState.SENT,
                what="the e-mail after two SMTP refusals",
            )
    notification.refresh_from_db()
    assert handler.attempts == 3
    assert len(handler.messages) == 1
    assert notification.email_attempts == 3
    assert "451" in notification.email_error


def test_smtp_down_for_good_ends_failed_and_visible(make_case, users, tmp_path, shared_broker):
    case = make_case("submitted")
    env = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(free_port()),  # nothing listens there
        "PORTAL_EMAIL_MAX_RETRIES": "2",
    }
    with (
        celery_worker(broker_url=shared_broker, log_dir=tmp_path, env=env),
        publishing_to(shared_broker),
    ):
        case_services.request_transition(actor=users.unoda, case=case, transition="start_review")
        notification = Notification.objects.get(
            user=users.recipient, status_change__to_status="under_review"
        )
        wait_until(
            lambda: Notification.objects.get(pk=notification.pk).email_state == EmailState.FAILED,
            what="the final failure",
        )
    notification.refresh_from_db()
    assert notification.email_attempts == 3
    assert "ConnectionRefusedError" in notification.email_error


def test_the_celery_settings_that_exactly_once_relies_on():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.PORTAL_EMAIL_RETRY_MAX_SECONDS
    assert datetime.timedelta(seconds=visibility) >= datetime.timedelta(minutes=1)
