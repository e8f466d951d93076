"""A reminder goes out once per rule, case and period, whatever runs twice or at once."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections

from apps.notifications.models import EmailState, Notification
from apps.reminders.finders import DueItem
from apps.reminders.models import ReminderLog, ReminderRule, Stage
from apps.reminders.services import reminder_send, reminders_sweep
from apps.reminders.tasks import deliver_reminder, run_sweep


def due_cases(make_case, frozen, count=3):
    rule = ReminderRule.objects.get(code="submitted-not-triaged")
    cases = [make_case("submitted") for _ in range(count)]
    frozen.shift(timedelta(days=rule.delay_days + 1))
    return rule, cases


def reminder_mails():
    return [m for m in mail.outbox if m.subject.startswith("Reminder:")]


def run_together(*functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def wrap(function):
        try:
            barrier.wait(5)
            function()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


@pytest.mark.django_db
def test_the_same_due_item_twice_creates_one_reminder(frozen, make_case, users):
    rule, (case, *_rest) = due_cases(make_case, frozen, count=1)
    item = DueItem(case.pk, "", case.status_changed_at, case.status_changed_at)
    first = reminder_send(rule=rule, stage=Stage.REMINDER, item=item)
    second = reminder_send(rule=rule, stage=Stage.REMINDER, item=item)
    assert first is not None
    assert second is None
    assert ReminderLog.objects.filter(rule=rule, request=case).count() == 1
    assert Notification.objects.filter(reminder=first).count() == first.recipients == 1


@pytest.mark.django_db
def test_a_retried_delivery_task_sends_each_email_once(
    frozen, make_case, users, django_capture_on_commit_callbacks
):
    rule, _cases = due_cases(make_case, frozen, count=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    log = ReminderLog.objects.get(rule=rule)
    assert len(reminder_mails()) == 1
    # The broker hands the same task out again (redelivery, a retry, a manual re-run).
    deliver_reminder.apply(args=[log.pk])
    deliver_reminder.apply(args=[log.pk])
    assert len(reminder_mails()) == 1
    assert log.notifications.get().email_state == EmailState.SENT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_overlapping_sweeps_send_once(frozen, make_case, users):
    rule, cases = due_cases(make_case, frozen, count=4)
    mail.outbox.clear()
    run_together(reminders_sweep, reminders_sweep)
    assert ReminderLog.objects.filter(rule=rule, stage=Stage.REMINDER).count() == len(cases)
    notifications = Notification.objects.filter(reminder__rule=rule)
    assert notifications.count() == len(cases)
    assert len(reminder_mails()) == len(cases)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sweep_by_hand_while_beat_runs_sends_once(frozen, make_case, users):
    rule, cases = due_cases(make_case, frozen, count=4)
    run_together(
        lambda: call_command("run_reminders", stdout=open("/dev/null", "w")),  # noqa: SIM115
        run_sweep.apply,
    )
    assert ReminderLog.objects.filter(rule=rule, stage=Stage.REMINDER).count() == len(cases)
    assert Notification.objects.filter(reminder__rule=rule).count() == len(cases)


@pytest.mark.django_db
def test_the_log_constraint_is_in_the_database(frozen, make_case):
    from django.db import IntegrityError, transaction

    rule, (case,) = due_cases(make_case, frozen, count=1)
    values = {
        "rule": rule,
        "request": case,
        "object_key": "",
        "stage": Stage.REMINDER,
        "period_start": case.status_changed_at,
        "due_at": case.status_changed_at,
    }
    ReminderLog.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(**values)


@pytest.mark.django_db
def test_a_batch_with_an_item_reminded_meanwhile_sends_the_others_once(frozen, make_case, users):
    from apps.reminders.services import reminders_send_batch

    rule, cases = due_cases(make_case, frozen, count=3)
    items = [DueItem(c.pk, "", c.status_changed_at, c.status_changed_at) for c in cases]
    # Another sweep got the second case between our finder's read and our insert.
    other = reminder_send(rule=rule, stage=Stage.REMINDER, item=items[1])

    logs, skipped = reminders_send_batch(rule=rule, stage=Stage.REMINDER, items=items)

    assert skipped == 1
    assert sorted(log.request_id for log in logs) == [cases[0].pk, cases[2].pk]
    assert ReminderLog.objects.filter(rule=rule).count() == 3
    for case in cases:
        log = ReminderLog.objects.get(rule=rule, request=case)
        assert log.notifications.count() == log.recipients == 1
    assert ReminderLog.objects.get(request=cases[1]).pk == other.pk


@pytest.mark.django_db
def test_the_sweep_runs_the_same_queries_for_a_few_or_many_due_cases(frozen, make_case, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sweep_queries(count):
        ReminderLog.objects.all().delete()
        rule = ReminderRule.objects.get(code="submitted-not-triaged")
        for _n in range(count):
            make_case("submitted")
        frozen.shift(timedelta(days=rule.delay_days + 1))
        # Only the sweep's own work: the e-mails of making the cases are not left to drain.
        Notification.objects.update(email_state=EmailState.SENT)
        with CaptureQueriesContext(connection) as captured:
            report = reminders_sweep()
        frozen.shift(-timedelta(days=rule.delay_days + 1))  # back to when the cases came in
        return report.total, len(captured)

    few, few_queries = sweep_queries(2)
    many, many_queries = sweep_queries(12)  # the first two are reminded again (log deleted)
    assert (few, many) == (2, 14)
    assert many_queries == few_queries
