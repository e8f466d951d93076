"""Finders: for one rule and stage, the items that are due now, read through indexes.

A finder reads at most ``limit`` rows after the cursor ``after`` (in cursor order) and returns
a Batch: the due items not yet reminded, and the cursor to continue from (None when done).
Case-status rules leave out already-reminded cases in the database (NOT EXISTS on the reminder
log's unique index); record rules check the log for the batch in one query. Whatever a finder
returns, the log's unique constraint is what guarantees "once".
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from apps.cases.models import AssistanceRequest, Indicator, Status
from apps.cases.workflow import IMPLEMENTATION_OPEN
from apps.followup.models import Agreement, IndicatorActual, Milestone, ProgressReport
from apps.followup.selectors import reporting_periods
from apps.funding.models import Commitment, CommitmentStatus
from apps.funding.selectors import ageing_pledges

from .models import ReminderLog, Stage, Watch


@dataclass(frozen=True)
class DueItem:
    request_id: int
    object_key: str
    period_start: datetime.datetime
    due_at: datetime.datetime
    donor_id: int | None = None  # remind only this donor (a commitment's), not all of the case's


@dataclass
class Batch:
    items: list[DueItem] = field(default_factory=list)
    cursor: object = None  # where the next batch starts (an id, or (time, id)); None: done


def offset(rule, stage) -> datetime.timedelta:
    days = rule.delay_days + ((rule.escalate_after_days or 0) if stage == Stage.ESCALATION else 0)
    return datetime.timedelta(days=days)


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _batch(rule, stage, items, *, rows_read, limit, last_cursor) -> Batch:
    if items:
        sent = set(
            ReminderLog.objects.filter(
                rule=rule, stage=stage, request_id__in={item.request_id for item in items}
            ).values_list("request_id", "object_key", "period_start")
        )
        items = [i for i in items if (i.request_id, i.object_key, i.period_start) not in sent]
    return Batch(items, last_cursor if rows_read == limit else None)


def case_status_queryset(rule, *, stage, now, after=None):
    """Cases in the rule's status for longer than its delay, not yet reminded for this stay.

    Read in (status_changed_at, id) order through the (status, status_changed_at) index, so
    only the due rows of that status are read; ``after`` is the (time, id) of the last row."""
    already = ReminderLog.objects.filter(
        rule=rule,
        request=OuterRef("pk"),
        object_key="",
        period_start=OuterRef("status_changed_at"),
        stage=stage,
    )
    queryset = AssistanceRequest.objects.filter(
        status=rule.status, status_changed_at__lte=now - offset(rule, stage)
    )
    if after:
        since, pk = after
        queryset = queryset.filter(
            Q(status_changed_at__gt=since) | Q(status_changed_at=since, pk__gt=pk)
        )
    return (
        queryset.exclude(Exists(already))
        .order_by("status_changed_at", "pk")
        .values_list("pk", "status_changed_at")
    )


def case_status_due(rule, *, stage, now, after, limit) -> Batch:
    delay = offset(rule, stage)
    rows = list(case_status_queryset(rule, stage=stage, now=now, after=after)[:limit])
    items = [DueItem(pk, "", since, since + delay) for pk, since in rows]
    return Batch(items, (rows[-1][1], rows[-1][0]) if len(rows) == limit else None)


def pledge_not_converted_due(rule, *, stage, now, after, limit) -> Batch:
    """Pledges still pledged past their expected commitment date (or the ageing window)."""
    rows = list(
        ageing_pledges(on=(now - offset(rule, stage)).date())
        .filter(pk__gt=after or 0)
        .order_by("pk")
        .values_list("pk", "request_id", "donor_id", "pledged_on")[:limit]
    )
    items = [
        DueItem(request_id, f"commitment:{pk}", _midnight(pledged_on), now, donor_id=donor_id)
        for pk, request_id, donor_id, pledged_on in rows
    ]
    last = rows[-1][0] if rows else None
    return _batch(rule, stage, items, rows_read=len(rows), limit=limit, last_cursor=last)


def commitment_not_disbursed_due(rule, *, stage, now, after, limit) -> Batch:
    delay = offset(rule, stage)
    rows = list(
        Commitment.objects.filter(
            status__in=[CommitmentStatus.COMMITTED, CommitmentStatus.PARTIALLY_DISBURSED],
            committed_on__lte=(now - delay).date(),
            pk__gt=after or 0,
        )
        .order_by("pk")
        .values_list("pk", "request_id", "donor_id", "committed_on")[:limit]
    )
    items = [
        DueItem(
            request_id,
            f"commitment:{pk}",
            _midnight(committed_on),
            _midnight(committed_on) + delay,
            donor_id=donor_id,
        )
        for pk, request_id, donor_id, committed_on in rows
    ]
    last = rows[-1][0] if rows else None
    return _batch(rule, stage, items, rows_read=len(rows), limit=limit, last_cursor=last)


def progress_report_due(rule, *, stage, now, after, limit) -> Batch:
    """Reporting periods of cases in implementation that ended ``delay`` days ago unreported.

    Reads only the agreements with such a period (``first_unreported_period_end``, kept by the
    followup services); their unreported periods are computed from the prefetched reports."""
    delay = offset(rule, stage)
    cutoff = (now - delay).date()
    agreements = list(
        Agreement.objects.filter(
            # A period ended before the cutoff without a report: through its index.
            first_unreported_period_end__lt=cutoff,
            request__status=Status.IMPLEMENTATION,
            request_id__gt=after or 0,
        )
        .order_by("request_id")
        .prefetch_related("reports")[:limit]
    )
    items = []
    for agreement in agreements:
        for period in reporting_periods(agreement, today=cutoff):
            if period.overdue:
                end = _midnight(period.end + datetime.timedelta(days=1))
                items.append(
                    DueItem(
                        agreement.request_id,
                        f"report:{agreement.pk}:{period.start}",
                        end,
                        end + delay,
                    )
                )
    last = agreements[-1].request_id if agreements else None
    return _batch(rule, stage, items, rows_read=len(agreements), limit=limit, last_cursor=last)


def milestone_due(rule, *, stage, now, after, limit) -> Batch:
    """Milestones of cases in agreement or implementation not done ``delay`` days after their
    due date (the rule's delay: 0 reminds on the due day), through the (due date, done) index."""
    delay = offset(rule, stage)
    rows = list(
        Milestone.objects.filter(
            completed_on__isnull=True,
            due_date__lte=(now - delay).date(),
            agreement__request__status__in=IMPLEMENTATION_OPEN,
            pk__gt=after or 0,
        )
        .order_by("pk")
        .values_list("pk", "agreement__request_id", "due_date")[:limit]
    )
    items = [
        DueItem(request_id, f"milestone:{pk}", _midnight(due), _midnight(due) + delay)
        for pk, request_id, due in rows
    ]
    last = rows[-1][0] if rows else None
    return _batch(rule, stage, items, rows_read=len(rows), limit=limit, last_cursor=last)


def reports_without_actuals():
    """Progress reports that give no value for one or more indicators of their case's results
    framework (none at all, or some rows left empty), and that are the latest report of their
    agreement: a report filed after it is the one to give the values now."""
    given = IndicatorActual.objects.filter(
        report_id=OuterRef(OuterRef("pk")), indicator_id=OuterRef("pk")
    )
    missing = Indicator.objects.filter(
        result__request_id=OuterRef("agreement__request_id")
    ).exclude(Exists(given))
    later = ProgressReport.objects.filter(agreement_id=OuterRef("agreement_id")).filter(
        Q(period_end__gt=OuterRef("period_end"))
        | Q(period_end=OuterRef("period_end"), pk__gt=OuterRef("pk"))
    )
    return ProgressReport.objects.filter(Exists(missing)).exclude(Exists(later))


def indicator_actuals_due(rule, *, stage, now, after, limit) -> Batch:
    """Cases in implementation whose latest progress report, for a period ended ``delay`` days
    ago, gives no value for one or more of the case's indicators (``reports_without_actuals``):
    one reminder per report; a later report with every value ends the chase."""
    delay = offset(rule, stage)
    rows = list(
        reports_without_actuals()
        .filter(
            agreement__request__status=Status.IMPLEMENTATION,
            period_end__lt=(now - delay).date(),  # the period over, its last day too
            pk__gt=after or 0,
        )
        .order_by("pk")
        .values_list("pk", "agreement__request_id", "period_end")[:limit]
    )
    items = []
    for pk, request_id, period_end in rows:
        ended = _midnight(period_end + datetime.timedelta(days=1))
        items.append(DueItem(request_id, f"actuals:{pk}", ended, ended + delay))
    last = rows[-1][0] if rows else None
    return _batch(rule, stage, items, rows_read=len(rows), limit=limit, last_cursor=last)


FINDERS = {
    Watch.CASE_STATUS: case_status_due,
    Watch.PLEDGE_NOT_CONVERTED: pledge_not_converted_due,
    Watch.COMMITMENT_NOT_DISBURSED: commitment_not_disbursed_due,
    Watch.PROGRESS_REPORT: progress_report_due,
    Watch.MILESTONE: milestone_due,
    Watch.INDICATOR_ACTUALS: indicator_actuals_due,
}
