from io import StringIO

import pytest
from django.core.management import call_command

from apps.reminders.models import ReminderLog


@pytest.mark.django_db
def test_with_the_demo_data_one_sweep_reminds_and_a_second_sends_none():
    call_command("seed_demo", stdout=StringIO())
    first = StringIO()
    call_command("run_reminders", stdout=first)
    sent = ReminderLog.objects.count()
    assert sent > 0
    assert f"Reminders sent: {sent}" in first.getvalue()
    assert ReminderLog.objects.filter(rule__code="submitted-not-triaged").exists()
    second = StringIO()
    call_command("run_reminders", stdout=second)
    assert "Reminders sent: 0" in second.getvalue()
    assert ReminderLog.objects.count() == sent
