"""Finders: for one rule and stage, the items that are due now, read through indexes.

A finder returns at most ``limit`` DueItems with request id greater than ``after_pk``, in
request-id order, leaving out items that already have a reminder for their period (NOT EXISTS
on the reminder log's unique index), so a sweep reads only what is due and unsent.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from apps.cases.models import AssistanceRequest

from .models import ReminderLog, Stage, Watch


@dataclass(frozen=True)
class DueItem:
    request_id: int
    object_key: str
    period_start: datetime
    due_at: datetime


def offset_days(rule, stage) -> int:
    return rule.delay_days + (rule.escalate_after_days or 0 if stage == Stage.ESCALATION else 0)


def case_status_due(rule, *, stage, now, after_pk, limit) -> list[DueItem]:
    delay = timedelta(days=offset_days(rule, stage))
    already = ReminderLog.objects.filter(
        rule=rule,
        request=OuterRef("pk"),
        object_key="",
        period_start=OuterRef("status_changed_at"),
        stage=stage,
    )
    rows = (
        AssistanceRequest.objects.filter(
            status=rule.status, status_changed_at__lte=now - delay, pk__gt=after_pk
        )
        .exclude(Exists(already))
        .order_by("pk")
        .values_list("pk", "status_changed_at")[:limit]
    )
    return [DueItem(pk, "", since, since + delay) for pk, since in rows]


FINDERS = {
    Watch.CASE_STATUS: case_status_due,
}
