"""The rule that chases the actuals of the results framework: a progress report (the latest of
its case) that gives no value for one or more of the case's indicators reminds the State (and
the implementing partner), once; UNODA is told if they are still missing a month later."""

import datetime
from decimal import Decimal

import pytest

from apps.cases.events import Event
from apps.followup.services import progress_report_submit
from apps.notifications.models import Notification
from apps.reminders.models import ReminderLog, ReminderRule, Stage

from ..results_framework import make_framework

pytestmark = pytest.mark.django_db

CODE = "indicator-actuals-missing"


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)


@pytest.fixture
def case(make_case):
    ReminderRule.objects.exclude(code=CODE).update(is_active=False)
    return make_case("implementation")


def report(case, users, end, actuals=()):
    start = end.replace(day=1)
    return progress_report_submit(
        actor=users.recipient,
        agreement=case.agreement,
        period_start=start,
        period_end=end,
        status="on_track",
        percent_done=30,
        narrative="Work goes on.",
        actuals=actuals,
    )


def all_values(framework):
    return [
        {"indicator": framework.sites, "value": 20},
        {"indicator": framework.marked, "value": 300},
        {"indicator": framework.trained, "value": 10, "women": 4},
    ]


def sweep(day):
    from apps.reminders.services import reminders_sweep

    return reminders_sweep(now=at(day))


def test_the_rule_is_seeded_in_every_language():
    rule = ReminderRule.objects.get(code=CODE)
    assert rule.watch == "indicator_actuals"
    assert rule.notify_recipient
    assert rule.notify_partner
    assert rule.escalate_after_days == 30
    for suffix in ("en", "fr", "es", "ru", "zh_hans", "ar"):
        assert getattr(rule, f"name_{suffix}")
        assert getattr(rule, f"message_{suffix}")


def test_a_report_without_actuals_reminds_the_state_once(case, users):
    make_framework(case)
    filed = report(case, users, datetime.date(2026, 4, 30))
    assert sweep(datetime.date(2026, 4, 30)).sent[(CODE, Stage.REMINDER)] == 0  # not yet ended
    assert sweep(datetime.date(2026, 5, 1)).sent[(CODE, Stage.REMINDER)] == 1
    log = ReminderLog.objects.get(rule__code=CODE)
    assert log.object_key == f"actuals:{filed.pk}"
    assert set(log.notifications.values_list("user__username", flat=True)) == {"recipient"}
    notification = log.notifications.get()
    assert notification.kind == Event.REMINDER
    assert notification.url.endswith(f"/cases/{case.reference}/#results")
    # No second reminder for the same report, however often the sweep runs.
    assert sweep(datetime.date(2026, 5, 2)).sent[(CODE, Stage.REMINDER)] == 0
    assert ReminderLog.objects.filter(rule__code=CODE, stage=Stage.REMINDER).count() == 1


def test_a_report_with_every_value_reminds_nobody(case, users):
    framework = make_framework(case)
    report(case, users, datetime.date(2026, 4, 30), actuals=all_values(framework))
    assert sweep(datetime.date(2026, 6, 1)).total == 0
    assert not Notification.objects.filter(reminder__rule__code=CODE).exists()


def test_a_row_left_empty_is_reminded(case, users):
    framework = make_framework(case)
    report(case, users, datetime.date(2026, 4, 30), actuals=all_values(framework)[:2])
    assert sweep(datetime.date(2026, 5, 1)).sent[(CODE, Stage.REMINDER)] == 1


def test_a_later_report_with_every_value_ends_the_chase(case, users):
    framework = make_framework(case)
    report(case, users, datetime.date(2026, 4, 30))
    report(case, users, datetime.date(2026, 7, 31), actuals=all_values(framework))
    assert sweep(datetime.date(2026, 8, 1)).total == 0


def test_a_case_without_a_framework_is_not_chased(case, users):
    report(case, users, datetime.date(2026, 4, 30))
    assert sweep(datetime.date(2026, 6, 1)).total == 0


def test_still_missing_a_month_later_is_escalated_to_unoda(case, users):
    make_framework(case)
    report(case, users, datetime.date(2026, 4, 30))
    sweep(datetime.date(2026, 5, 1))
    assert sweep(datetime.date(2026, 5, 30)).sent[(CODE, Stage.ESCALATION)] == 0
    assert sweep(datetime.date(2026, 5, 31)).sent[(CODE, Stage.ESCALATION)] == 1
    escalation = ReminderLog.objects.get(rule__code=CODE, stage=Stage.ESCALATION)
    assert set(escalation.notifications.values_list("user__username", flat=True)) == {"unoda"}


def test_the_values_given_later_are_read_from_the_actuals(case, users):
    """What the finder reads is the actuals themselves: once a value is given for every
    indicator (here by UNODA's correction of the data) the report is no longer chased."""
    from apps.followup.models import IndicatorActual

    framework = make_framework(case)
    filed = report(case, users, datetime.date(2026, 4, 30), actuals=all_values(framework)[:2])
    IndicatorActual.objects.create(report=filed, indicator=framework.trained, value=Decimal(5))
    assert sweep(datetime.date(2026, 5, 1)).total == 0
