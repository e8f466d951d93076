"""Rules that watch records: pledges, commitments and progress reports."""

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.cases.events import Event
from apps.followup.models import ProgressStatus
from apps.followup.services import (
    agreement_update,
    milestone_complete,
    milestone_create,
    progress_report_submit,
)
from apps.funding.services import commitment_confirm, commitment_create
from apps.notifications.models import Notification
from apps.reminders.models import ReminderLog, ReminderRule, Stage
from apps.reminders.services import reminders_sweep

from ..factories import make_member

pytestmark = pytest.mark.django_db


def reminded(rule, stage=Stage.REMINDER):
    return {
        (log.object_key, frozenset(log.notifications.values_list("user__username", flat=True)))
        for log in ReminderLog.objects.filter(rule__code=rule, stage=stage)
    }


def only(rule_code):
    ReminderRule.objects.exclude(code=rule_code).update(is_active=False)


def pledge(case, users, orgs, **fields):
    return commitment_create(
        actor=users.donor,
        case=case,
        donor=orgs.donor,
        amount=Decimal("1000"),
        currency="USD",
        pledged_on=fields.pop("pledged_on", datetime.date(2026, 3, 2)),
        **fields,
    )


def test_pledge_not_converted_by_its_date_reminds_that_donor_only(frozen, make_case, users, orgs):
    only("pledge-not-converted")
    make_member(orgs.other_donor)
    case = make_case("agreement")
    commitment = pledge(case, users, orgs, expected_commitment_date=datetime.date(2026, 4, 1))
    frozen.move_to(datetime.datetime(2026, 4, 1, 12, tzinfo=datetime.UTC))
    assert reminders_sweep().total == 0
    frozen.move_to(datetime.datetime(2026, 4, 2, 12, tzinfo=datetime.UTC))
    assert reminders_sweep().total == 1
    assert reminded("pledge-not-converted") == {
        (f"commitment:{commitment.pk}", frozenset({users.donor.username, users.unoda.username}))
    }
    assert reminders_sweep().total == 0


def test_a_confirmed_pledge_is_not_chased(frozen, make_case, users, orgs):
    only("pledge-not-converted")
    case = make_case("agreement")
    commitment = pledge(case, users, orgs, expected_commitment_date=datetime.date(2026, 4, 1))
    commitment_confirm(actor=users.donor, commitment=commitment)
    frozen.move_to(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    assert reminders_sweep().total == 0


def test_commitment_not_disbursed_after_its_delay(frozen, make_case, users, orgs):
    only("commitment-not-disbursed")
    rule = ReminderRule.objects.get(code="commitment-not-disbursed")
    case = make_case("implementation")
    commitment = commitment_confirm(actor=users.donor, commitment=pledge(case, users, orgs))
    committed = datetime.datetime.combine(
        commitment.committed_on, datetime.time.min, tzinfo=datetime.UTC
    )
    frozen.move_to(committed + timedelta(days=rule.delay_days) - timedelta(hours=1))
    assert reminders_sweep().total == 0
    frozen.move_to(committed + timedelta(days=rule.delay_days, hours=1))
    assert reminders_sweep().total == 1
    assert reminders_sweep().total == 0


def test_progress_report_due_then_overdue_then_escalated(frozen, make_case, users, orgs):
    ReminderRule.objects.exclude(code__startswith="progress-report").update(is_active=False)
    case = make_case("implementation")  # agreement from 2026-02-01, a report every 3 months
    first_period_end = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)  # day after 30 April
    frozen.move_to(first_period_end - timedelta(hours=1))
    assert reminders_sweep().total == 0
    frozen.move_to(first_period_end + timedelta(hours=1))
    assert reminders_sweep().sent == {("progress-report-due", Stage.REMINDER): 1}
    frozen.move_to(first_period_end + timedelta(days=14, hours=1))
    assert reminders_sweep().sent == {("progress-report-overdue", Stage.REMINDER): 1}
    frozen.move_to(first_period_end + timedelta(days=28, hours=1))
    assert reminders_sweep().sent == {("progress-report-overdue", Stage.ESCALATION): 1}
    ((key, people),) = reminded("progress-report-overdue")
    assert key.startswith(f"report:{case.agreement.pk}:2026-02-01")
    assert users.recipient.username in people


def test_a_monthly_report_from_february_is_due_on_the_first_of_march(frozen, make_case, users):
    # February has 28 days: the finder's "first period can have ended" bound is exact here.
    ReminderRule.objects.exclude(code="progress-report-due").update(is_active=False)
    case = make_case("implementation")  # agreement from 2026-02-01
    agreement_update(
        actor=users.unoda,
        agreement=case.agreement,
        kind="amendment",
        reason="Monthly reports agreed.",
        reporting_interval_months=1,
    )
    march = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    frozen.move_to(march - timedelta(hours=1))
    assert reminders_sweep().total == 0
    frozen.move_to(march + timedelta(hours=1))
    assert reminders_sweep().sent == {("progress-report-due", Stage.REMINDER): 1}
    ((key, _people),) = reminded("progress-report-due")
    assert key == f"report:{case.agreement.pk}:2026-02-01"


def test_a_submitted_report_stops_the_chase(frozen, make_case, users):
    ReminderRule.objects.exclude(code__startswith="progress-report").update(is_active=False)
    case = make_case("implementation")
    frozen.move_to(datetime.datetime(2026, 5, 3, tzinfo=datetime.UTC))
    progress_report_submit(
        actor=users.recipient,
        agreement=case.agreement,
        period_start=datetime.date(2026, 2, 1),
        period_end=datetime.date(2026, 4, 30),
        status=ProgressStatus.ON_TRACK,
        percent_done=20,
        narrative="Doors fitted.",
    )
    assert reminders_sweep().total == 0


def test_feedback_reminder_goes_only_to_parties_still_pending(frozen, make_case, users, orgs):
    from apps.followup.services import feedback_submit

    from ..conftest import RATINGS

    only("feedback-pending")
    case = make_case("feedback")
    feedback_submit(actor=users.recipient, case=case, what_worked="Training.", **RATINGS)
    frozen.shift(timedelta(days=15))
    reminders_sweep()
    assert reminded("feedback-pending") == {("", frozenset({users.donor.username}))}


def test_a_milestone_not_done_is_due_on_its_day_then_late(frozen, make_case, users, orgs):
    """The milestone rule: on the due day the State (and the case officer, here every UNODA
    officer) hear that it is due, with a link to the milestone; a week later UNODA hears that
    it is late. Once, whatever the sweeps; a milestone done in time is not chased."""
    only("milestone-due")
    case = make_case("agreement")
    milestone, done = (
        milestone_create(
            actor=users.unoda, agreement=case.agreement, title=title, due_date=due
        )
        for title, due in (("Doors fitted", datetime.date(2026, 4, 1)),
                           ("Guards trained", datetime.date(2026, 4, 1)))
    )  # fmt: skip
    milestone_complete(actor=users.recipient, milestone=done)
    frozen.move_to(datetime.datetime(2026, 3, 31, 12, tzinfo=datetime.UTC))
    assert reminders_sweep().total == 0
    frozen.move_to(datetime.datetime(2026, 4, 1, 12, tzinfo=datetime.UTC))
    assert reminders_sweep().total == 1
    key = f"milestone:{milestone.pk}"
    assert reminded("milestone-due") == {
        (key, frozenset({users.recipient.username, users.unoda.username}))
    }
    (to_state,) = Notification.objects.filter(user=users.recipient, reminder__isnull=False)
    assert to_state.kind == Event.MILESTONE_DUE
    assert to_state.url.endswith(f"/plan/#milestone-{milestone.pk}")
    assert reminders_sweep().total == 0
    frozen.move_to(datetime.datetime(2026, 4, 8, 12, tzinfo=datetime.UTC))
    assert reminders_sweep().total == 1
    assert reminded("milestone-due", Stage.ESCALATION) == {(key, frozenset({users.unoda.username}))}
    assert set(
        Notification.objects.filter(reminder__stage=Stage.ESCALATION).values_list("kind", flat=True)
    ) == {Event.MILESTONE_LATE}
