"""The reminder sweep and the delivery of one reminder.

Exactly once: each due item is written to the reminder log in its own transaction, together
with its notifications. The log's unique constraint (rule, case, record, period, stage) makes a
second writer (an overlapping sweep, a sweep run by hand while beat runs, a retried task) fail
with IntegrityError and create nothing. E-mails are sent from the notification outbox after
commit, each at most once (see apps.notifications.services).
"""

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.cases.events import EVENTS, Event, Link
from apps.cases.models import AssistanceRequest
from apps.notifications.models import EmailState, Notification
from apps.notifications.services import (
    deliveries,
    event_link,
    notification_send_email,
    notifications_build,
    notifications_drain_outbox,
)

from .finders import FINDERS, DueItem
from .models import ReminderLog, ReminderRule, Stage, Watch
from .selectors import reminder_recipients_many, suggested_offers, suggests_offers

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    sent: Counter = field(default_factory=Counter)  # (rule code, stage) -> reminders
    references: list = field(default_factory=list)  # (rule code, stage, reference)
    skipped: int = 0  # items another sweep got first
    emails_queued: int = 0

    @property
    def total(self) -> int:
        return sum(self.sent.values())


def reminders_sweep(*, now=None, batch_size: int = 200, max_items: int = 5000) -> SweepReport:
    """Find every due item of every active rule, in bounded batches, and remind once.

    At most ``max_items`` due items are taken in one sweep (the next sweep goes on from there);
    a rule with nothing due costs nothing of that budget."""
    now = now or timezone.now()
    report = SweepReport()
    budget = max_items
    for rule in ReminderRule.objects.filter(is_active=True).order_by("code"):
        finder = FINDERS[rule.watch]
        stages = [Stage.REMINDER] + ([Stage.ESCALATION] if rule.escalate_after_days else [])
        for stage in stages:
            after, first = None, True
            while budget > 0 and (first or after is not None):
                first = False
                limit = min(batch_size, budget)
                batch = finder(rule, stage=stage, now=now, after=after, limit=limit)
                logs, skipped = reminders_send_batch(rule=rule, stage=stage, items=batch.items)
                report.skipped += skipped
                for log in logs:
                    report.sent[(rule.code, stage)] += 1
                    report.references.append((rule.code, stage, log.request.reference))
                budget -= len(batch.items)
                after = batch.cursor
    report.emails_queued = notifications_drain_outbox(now=now)
    return report


def reminders_send_batch(*, rule, stage, items) -> tuple[list[ReminderLog], int]:
    """Remind every due item of a batch in one transaction, in a fixed number of queries.

    Returns the logs created and how many items were skipped. If another sweep reminded one of
    the items meanwhile, the log's unique constraint refuses the whole batch, which is then
    sent one item at a time: each item still goes out exactly once.
    """
    if not items:
        return [], 0
    try:
        with transaction.atomic():
            return _remind(rule=rule, stage=stage, items=items), 0
    except IntegrityError:
        logs = [reminder_send(rule=rule, stage=stage, item=item) for item in items]
        sent = [log for log in logs if log is not None]
        return sent, len(logs) - len(sent)


def reminder_send(*, rule, stage, item: DueItem) -> ReminderLog | None:
    """Log one reminder and create its notifications, or return None if it exists already."""
    try:
        with transaction.atomic():
            return _remind(rule=rule, stage=stage, items=[item])[0]
    except IntegrityError:
        return None


def _remind(*, rule, stage, items) -> list[ReminderLog]:
    """The logs and notifications of ``items`` (inside the caller's transaction)."""
    cases = AssistanceRequest.objects.select_related("requesting_organization", "case_officer")
    if suggests_offers(rule):
        cases = cases.prefetch_related("categories", "kinds")
    cases = cases.in_bulk({item.request_id for item in items})
    recipients = reminder_recipients_many(
        rule, stage, [(cases[item.request_id], item.donor_id) for item in items]
    )
    logs = ReminderLog.objects.bulk_create(
        ReminderLog(
            rule=rule,
            request=cases[item.request_id],
            object_key=item.object_key,
            period_start=item.period_start,
            stage=stage,
            due_at=item.due_at,
            recipients=len(users),
        )
        for item, users in zip(items, recipients, strict=True)
    )
    event = reminder_event(rule, stage)
    everyone = {user.pk: user for users in recipients for user in users}
    how = deliveries(list(everyone.values()), EVENTS[event].topic)
    notifications = []
    for log, users in zip(logs, recipients, strict=True):
        notifications += notifications_build(
            users=users,
            event=event,
            subject_template="reminders/reminder_subject.txt",
            body_template="reminders/reminder_body.txt",
            context={
                "rule": rule,
                "case": log.request,
                "log": log,
                "stage": stage,
                "offers": suggested_offers(rule, log.request),
            },
            request=log.request,
            url=_reminder_link(rule, log),
            how=how,
            reminder=log,
        )
    Notification.objects.bulk_create(notifications)
    log_ids = [log.pk for log in logs if log.recipients]
    transaction.on_commit(lambda: reminders_enqueue_delivery(log_ids=log_ids))
    return logs


def reminder_event(rule, stage) -> Event:
    """The event a reminder tells of (``apps.cases.events``): a milestone due or late, else a
    reminder or its escalation."""
    if rule.watch == Watch.MILESTONE:
        return Event.MILESTONE_LATE if stage == Stage.ESCALATION else Event.MILESTONE_DUE
    return Event.ESCALATION if stage == Stage.ESCALATION else Event.REMINDER


def _reminder_link(rule, log) -> str:
    """A milestone's reminder leads to the milestone in the plan, a reminder of missing actuals
    to the case's results; the others to the case."""
    if rule.watch == Watch.MILESTONE:
        return event_link(log.request, Link.PLAN, log.object_key.replace(":", "-"))
    if rule.watch == Watch.INDICATOR_ACTUALS:  # the indicators against their targets
        return event_link(log.request, Link.CASE, "results")
    return event_link(log.request, Link.CASE)


def reminders_enqueue_delivery(*, log_ids) -> int:
    """Queue the e-mails of each reminder; with the broker down, leave them for the sweep."""
    from .tasks import deliver_reminder

    for queued, log_id in enumerate(log_ids):
        try:
            deliver_reminder.delay(log_id)
        except OperationalError:
            logger.warning("Broker unavailable: reminders from %s on left in the outbox", log_id)
            return queued
    return len(log_ids)


def reminder_deliver(*, log_id: int) -> int:
    """Send the pending e-mails of one reminder; each goes at most once. Returns how many."""
    pending = ReminderLog.objects.get(pk=log_id).notifications.filter(
        email_state=EmailState.PENDING
    )
    return sum(
        notification_send_email(notification_id=pk) for pk in pending.values_list("pk", flat=True)
    )
