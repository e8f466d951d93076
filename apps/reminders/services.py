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

from apps.cases.models import AssistanceRequest
from apps.notifications.models import EmailState, NotificationKind
from apps.notifications.services import (
    notification_create,
    notification_send_email,
    notifications_drain_outbox,
)

from .finders import FINDERS, DueItem
from .models import ReminderLog, ReminderRule, Stage
from .selectors import reminder_recipients, suggested_offers

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
    """Find every due item of every active rule, in bounded batches, and remind once."""
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
                for item in batch.items:
                    log = reminder_send(rule=rule, stage=stage, item=item)
                    if log is None:
                        report.skipped += 1
                        continue
                    report.sent[(rule.code, stage)] += 1
                    report.references.append((rule.code, stage, log.request.reference))
                budget -= limit
                after = batch.cursor
    report.emails_queued = notifications_drain_outbox(now=now)
    return report


def reminder_send(*, rule, stage, item: DueItem) -> ReminderLog | None:
    """Log the reminder and create its notifications, or return None if it exists already."""
    try:
        with transaction.atomic():
            log = ReminderLog.objects.create(
                rule=rule,
                request_id=item.request_id,
                object_key=item.object_key,
                period_start=item.period_start,
                stage=stage,
                due_at=item.due_at,
            )
            case = AssistanceRequest.objects.select_related(
                "requesting_organization", "case_officer"
            ).get(pk=item.request_id)
            users = reminder_recipients(rule, case, stage, donor_id=item.donor_id)
            kind = (
                NotificationKind.ESCALATION
                if stage == Stage.ESCALATION
                else NotificationKind.REMINDER
            )
            context = {
                "rule": rule,
                "case": case,
                "log": log,
                "stage": stage,
                "offers": suggested_offers(rule, case),
            }
            for user in users:
                notification_create(
                    user=user,
                    kind=kind,
                    subject_template="reminders/reminder_subject.txt",
                    body_template="reminders/reminder_body.txt",
                    context=context,
                    request=case,
                    reminder=log,
                )
            log.recipients = len(users)
            log.save(update_fields=["recipients"])
            transaction.on_commit(lambda: reminder_enqueue_delivery(log_id=log.pk))
    except IntegrityError:
        return None
    log.request = case
    return log


def reminder_enqueue_delivery(*, log_id: int) -> bool:
    from .tasks import deliver_reminder

    try:
        deliver_reminder.delay(log_id)
    except OperationalError:
        logger.warning("Broker unavailable: reminder %s left in the outbox", log_id)
        return False
    return True


def reminder_deliver(*, log_id: int) -> int:
    """Send the pending e-mails of one reminder; each goes at most once. Returns how many."""
    pending = ReminderLog.objects.get(pk=log_id).notifications.filter(
        email_state=EmailState.PENDING
    )
    return sum(
        notification_send_email(notification_id=pk) for pk in pending.values_list("pk", flat=True)
    )
