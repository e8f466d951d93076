"""Each default rule fires on time and not before, reminds the right people, escalates, once."""

import importlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.cases.events import Event
from apps.notifications.models import Notification
from apps.reminders.models import ReminderLog, ReminderRule, Stage, Watch
from apps.reminders.services import reminders_sweep

DEFAULT_RULES = importlib.import_module(
    "apps.reminders.migrations.0002_default_rules_and_schedule"
).RULES
CODES = [rule[0] for rule in DEFAULT_RULES]
RECORD_RULES = importlib.import_module("apps.reminders.migrations.0004_record_rules").RULES

pytestmark = pytest.mark.django_db


def expected_recipients(rule, users) -> set[str]:
    names = set()
    if rule.notify_case_officer:
        names.add(users.unoda.username)  # no officer assigned: every UNODA officer
    if rule.notify_recipient:
        names.add(users.recipient.username)
    if rule.notify_donors:
        names.add(users.donor.username)  # the donor with interest / in the agreement
    return names


def reminded(rule, case, stage=Stage.REMINDER) -> set[str]:
    log = ReminderLog.objects.get(rule=rule, request=case, stage=stage)
    return set(log.notifications.values_list("user__username", flat=True))


def test_the_design_rules_are_seeded():
    codes = set(ReminderRule.objects.values_list("code", flat=True))
    assert set(CODES) | {rule[0] for rule in RECORD_RULES} <= codes
    statuses = set(ReminderRule.objects.values_list("status", flat=True))
    assert {"submitted", "needs_revision", "published", "donor_interest", "feedback"} <= statuses


@pytest.mark.parametrize("code", CODES)
def test_default_rule_fires_on_time_and_not_before(frozen, make_case, users, code):
    rule = ReminderRule.objects.get(code=code)
    case = make_case(rule.status)
    due = case.status_changed_at + timedelta(days=rule.delay_days)

    frozen.move_to(due - timedelta(minutes=1))
    reminders_sweep()
    assert not ReminderLog.objects.filter(rule=rule, request=case).exists()

    frozen.move_to(due + timedelta(minutes=1))
    report = reminders_sweep()
    assert report.sent[(code, Stage.REMINDER)] == 1
    assert reminded(rule, case) == expected_recipients(rule, users)
    assert set(Notification.objects.filter(reminder__rule=rule).values_list("kind", flat=True)) <= {
        Event.REMINDER
    }

    again = reminders_sweep()
    assert again.sent[(code, Stage.REMINDER)] == 0
    assert ReminderLog.objects.filter(rule=rule, request=case).count() == 1


@pytest.mark.parametrize("code", [r[0] for r in DEFAULT_RULES if r[-1]])
def test_escalation_to_unoda_after_its_delay(frozen, make_case, users, code):
    rule = ReminderRule.objects.get(code=code)
    case = make_case(rule.status)
    escalate_at = case.status_changed_at + timedelta(
        days=rule.delay_days + rule.escalate_after_days
    )
    frozen.move_to(escalate_at - timedelta(minutes=1))
    reminders_sweep()
    assert not ReminderLog.objects.filter(rule=rule, stage=Stage.ESCALATION).exists()
    frozen.move_to(escalate_at + timedelta(minutes=1))
    reminders_sweep()
    assert reminded(rule, case, Stage.ESCALATION) == {users.unoda.username}
    reminders_sweep()
    assert ReminderLog.objects.filter(rule=rule, stage=Stage.ESCALATION).count() == 1


def test_a_case_that_moves_on_is_not_reminded(frozen, make_case, users):
    rule = ReminderRule.objects.get(code="submitted-not-triaged")
    case = make_case("submitted")
    from apps.cases.services import request_transition

    request_transition(actor=users.unoda, case=case, transition="start_review")
    frozen.move_to(case.status_changed_at + timedelta(days=rule.delay_days + 1))
    reminders_sweep()
    assert not ReminderLog.objects.filter(rule=rule).exists()


def test_a_case_that_comes_back_to_a_status_is_a_new_period(frozen, make_case, users, orgs):
    from apps.funding.services import interest_express, interest_withdraw

    rule = ReminderRule.objects.get(code="published-no-interest")
    case = make_case("published")
    frozen.shift(timedelta(days=rule.delay_days + 1))
    reminders_sweep()
    interest = interest_express(actor=users.donor, case=case, donor=orgs.donor, message="Yes")
    interest_withdraw(actor=users.donor, interest=interest)
    frozen.shift(timedelta(days=rule.delay_days + 1))
    reminders_sweep()
    assert ReminderLog.objects.filter(rule=rule, request=case).count() == 2


def test_assigned_case_officer_is_reminded_alone(frozen, make_case, users):
    from apps.cases.services import request_assign_officer

    from ..factories import UserFactory

    UserFactory(username="second_officer", is_unoda_officer=True)
    rule = ReminderRule.objects.get(code="submitted-not-triaged")
    case = make_case("submitted")
    request_assign_officer(actor=users.unoda, case=case, officer=users.unoda)
    frozen.shift(timedelta(days=rule.delay_days + 1))
    reminders_sweep()
    assert reminded(rule, case) == {users.unoda.username}


def test_inactive_rule_sends_nothing(frozen, make_case):
    ReminderRule.objects.update(is_active=False)
    make_case("submitted")
    frozen.shift(timedelta(days=365))
    assert reminders_sweep().total == 0


def test_sweep_works_in_bounded_batches(frozen, make_case):
    rule = ReminderRule.objects.get(code="submitted-not-triaged")
    ReminderRule.objects.exclude(pk=rule.pk).update(is_active=False)
    cases = [make_case("submitted") for _ in range(5)]
    frozen.shift(timedelta(days=rule.delay_days + 1))
    first = reminders_sweep(batch_size=2, max_items=3)
    assert first.total == 3
    second = reminders_sweep(batch_size=2, max_items=3)
    assert second.total == 2
    assert ReminderLog.objects.filter(stage=Stage.REMINDER).count() == len(cases)


def test_rules_with_nothing_due_do_not_use_up_the_sweeps_budget(frozen, make_case):
    # Every default rule is active; only one has anything due.
    rule = ReminderRule.objects.get(code="submitted-not-triaged")
    cases = [make_case("submitted") for _ in range(3)]
    frozen.shift(timedelta(days=rule.delay_days + 1))
    report = reminders_sweep(batch_size=2, max_items=3)
    assert report.sent[(rule.code, Stage.REMINDER)] == len(cases)


def test_sweep_reads_only_due_rows(frozen, make_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sweep_queries():
        with CaptureQueriesContext(connection) as captured:
            assert reminders_sweep().total == 0
        return len(captured)

    make_case("submitted")
    with_one = sweep_queries()
    for _ in range(5):
        make_case("submitted")
    # Nothing is due yet: the sweep costs the same however many cases wait, about one query
    # per rule and stage.
    assert sweep_queries() == with_one
    stages = sum(2 if r.escalate_after_days else 1 for r in ReminderRule.objects.all())
    assert with_one <= stages + 4


class TestRuleValidation:
    def build(self, **fields):
        values = {
            "code": "x",
            "name": "X",
            "message": "M",
            "watch": Watch.CASE_STATUS,
            "status": "submitted",
            "delay_days": 3,
            "notify_case_officer": True,
        }
        values.update(fields)
        return ReminderRule(**values)

    def test_negative_delay_is_refused(self):
        with pytest.raises(ValidationError) as error:
            self.build(delay_days=-1).full_clean()
        assert "delay_days" in error.value.message_dict

    def test_a_rule_must_remind_someone(self):
        with pytest.raises(ValidationError, match="at least one group of people"):
            self.build(notify_case_officer=False).full_clean()

    def test_a_status_rule_needs_a_status(self):
        with pytest.raises(ValidationError) as error:
            self.build(status="").full_clean()
        assert "status" in error.value.message_dict

    def test_admin_refuses_bad_rules_with_a_clear_message(self, admin_client):
        count = ReminderRule.objects.count()
        response = admin_client.post(
            "/admin/reminders/reminderrule/add/",
            {
                "code": "bad",
                "name_en": "Bad",
                "message_en": "Bad",
                "watch": "case_status",
                "status": "submitted",
                "delay_days": "-3",
                "is_active": "on",
            },
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "Ensure this value is greater than or equal to 0" in body
        assert "Choose at least one group of people to remind" in body
        assert ReminderRule.objects.count() == count
