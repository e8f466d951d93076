"""The reminder sweep: about 1% of the cases made due, then the portal's sweep timed beside a
floor that reads the same items through the portal's finders and writes the same rows."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cases.events import Event
from apps.cases.models import AssistanceRequest
from apps.followup.models import Agreement
from apps.followup.selectors import add_months
from apps.funding.models import Commitment
from apps.notifications.models import Notification
from apps.reminders.finders import FINDERS
from apps.reminders.models import ReminderLog, ReminderRule, Stage, Watch
from apps.reminders.selectors import (
    reminder_recipients_many,
    suggested_offers,
    suggests_offers,
)
from apps.reminders.services import reminders_sweep

from .measure import Result, peak_memory, render_rows

NAME = "reminder sweep (1% due)"


def make_one_percent_due() -> int:
    """Make every watched item recent, then about 1% of the cases due for a status rule."""
    now = timezone.now()
    AssistanceRequest.objects.update(status_changed_at=now - timedelta(hours=1))
    Commitment.objects.update(pledged_on=now.date(), committed_on=now.date())
    Agreement.objects.update(start_date=now.date(), end_date=now.date() + timedelta(days=365))
    intervals = Agreement.objects.order_by().values_list("reporting_interval_months", flat=True)
    for months in intervals.distinct():
        first_end = add_months(now.date(), months) - timedelta(days=1)  # nothing reported yet
        Agreement.objects.filter(reporting_interval_months=months).update(
            first_unreported_period_end=first_end
        )
    watched = list(
        ReminderRule.objects.filter(is_active=True, watch=Watch.CASE_STATUS).values_list(
            "status", flat=True
        )
    )
    total = AssistanceRequest.objects.count()
    due_ids = list(
        AssistanceRequest.objects.filter(status__in=watched)
        .order_by("?")
        .values_list("pk", flat=True)[: max(1, total // 100)]
    )
    AssistanceRequest.objects.filter(pk__in=due_ids).update(
        status_changed_at=F("status_changed_at") - timedelta(days=400)
    )
    return len(due_ids)


FINDER_TABLES = {
    Watch.CASE_STATUS: AssistanceRequest._meta.db_table,
    Watch.PLEDGE_NOT_CONVERTED: Commitment._meta.db_table,
    Watch.COMMITMENT_NOT_DISBURSED: Commitment._meta.db_table,
    Watch.PROGRESS_REPORT: Agreement._meta.db_table,
}


def sweep_plans() -> dict[str, list[str]]:
    """The query plan of each kind of finder's read (first batch, reminder stage)."""
    plans = {}
    now = timezone.now()
    for watch, table in FINDER_TABLES.items():
        rule = ReminderRule.objects.filter(watch=watch, is_active=True).order_by("code").first()
        if rule is None:
            continue
        with CaptureQueriesContext(connection) as captured:
            FINDERS[watch](rule, stage=Stage.REMINDER, now=now, after=None, limit=200)
        sql = next(q["sql"] for q in captured if f'FROM "{table}"' in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute(f"{connection.ops.explain_query_prefix()} {sql}")
            plans[rule.code] = [" ".join(map(str, row)) for row in cursor.fetchall()]
    return plans


def sweep_floor_ms() -> float:
    """The sweep's floor: read every due item (every finder, every batch) and its case, run
    the matching query for the cases whose reminder attaches offers and the recipients' query
    (as the sweep does), and write the same rows in bulk: a log row per item and a
    notification per recipient, its text from a minimal template; rolled back."""
    start = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        for rule in ReminderRule.objects.filter(is_active=True):
            stages = [Stage.REMINDER] + ([Stage.ESCALATION] if rule.escalate_after_days else [])
            for stage in stages:
                after, first = None, True
                while first or after is not None:
                    first = False
                    batch = FINDERS[rule.watch](rule, stage=stage, now=now, after=after, limit=200)
                    after = batch.cursor
                    cases = AssistanceRequest.objects.select_related(
                        "requesting_organization", "case_officer"
                    )
                    if suggests_offers(rule):
                        cases = cases.prefetch_related("categories", "kinds")
                    cases = cases.in_bulk({item.request_id for item in batch.items})
                    if suggests_offers(rule):  # the matching query, as the sweep runs it
                        for case in cases.values():
                            suggested_offers(rule, case)
                    recipients = reminder_recipients_many(
                        rule, stage, [(cases[i.request_id], i.donor_id) for i in batch.items]
                    )
                    logs = ReminderLog.objects.bulk_create(
                        ReminderLog(
                            rule=rule,
                            request_id=item.request_id,
                            object_key=item.object_key,
                            period_start=item.period_start,
                            stage=stage,
                            due_at=item.due_at,
                        )
                        for item in batch.items
                    )
                    notifications = []
                    for log, users in zip(logs, recipients, strict=True):
                        body = render_rows([(rule.name, log.due_at)])
                        notifications += [
                            Notification(
                                user=user,
                                kind=Event.REMINDER,
                                request_id=log.request_id,
                                reminder=log,
                                subject=rule.name,
                                body=body,
                            )
                            for user in users
                        ]
                    Notification.objects.bulk_create(notifications)
        transaction.set_rollback(True)
    return (time.perf_counter() - start) * 1000


@dataclass
class Sweep:
    result: Result
    due: int
    sent: int
    peak_bytes: int
    plans: dict[str, list[str]]


def run_sweep(*, profile=None) -> Sweep:
    """Make 1% of the cases due, then time one sweep (its queries counted), trace its memory in
    a second one, and time the floor. ``profile``: called with the sweep to profile it."""
    from config import celery_app

    due = make_one_percent_due()
    if connection.vendor == "postgresql":  # plans from statistics of the data as it is now
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    plans = sweep_plans()
    # As in production, the sweep only queues the e-mails; workers send them.
    celery_app.conf.update(task_always_eager=False, broker_url="memory://localhost/")
    celery_app._after_fork()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        report = reminders_sweep(now=timezone.now())
        elapsed_ms = (time.perf_counter() - start) * 1000
    # Memory is traced in a second, identical sweep (tracing slows Python down a lot).
    ReminderLog.objects.all().delete()
    _report, peak = peak_memory(lambda: reminders_sweep(now=timezone.now()))
    if profile is not None:
        ReminderLog.objects.all().delete()
        profile(reminders_sweep)
    ReminderLog.objects.all().delete()  # the floor finds the same items due
    floor_ms = sweep_floor_ms()
    result = Result(
        NAME,
        median_ms=elapsed_ms,
        p95_ms=None,
        floor_ms=floor_ms,
        queries=len(captured),
        is_page=False,
        note=f"{report.total} sent",
    )
    return Sweep(result=result, due=due, sent=report.total, peak_bytes=peak, plans=plans)
