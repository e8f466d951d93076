"""Seed the default rules that watch records: pledges, commitments, progress reports."""

from django.db import migrations

RULES = [
    # code, name, message, watch, delay, officer, recipient, donors, partner, escalate
    ("pledge-not-converted", "Pledge not turned into a commitment",
     "This pledge has passed its expected commitment date. Please confirm the commitment or "
     "update the expected date.",
     "pledge_not_converted", 0, True, False, True, False, 30),
    ("commitment-not-disbursed", "Commitment not disbursed",
     "Six months after this commitment was made it is not fully disbursed. Please record the "
     "disbursements made or the expected dates.",
     "commitment_not_disbursed", 180, True, False, True, False, None),
    ("progress-report-due", "Progress report due",
     "A reporting period has ended. Please submit the progress report for it.",
     "progress_report", 0, False, True, False, True, None),
    ("progress-report-overdue", "Progress report overdue",
     "The progress report for an ended reporting period is two weeks late.",
     "progress_report", 14, True, True, False, True, 14),
]  # fmt: skip


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for code, name, message, watch, delay, officer, recipient, donors, partner, esc in RULES:
        ReminderRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name, "message": message, "message_en": message,
                "watch": watch, "status": "", "delay_days": delay,
                "notify_case_officer": officer, "notify_recipient": recipient,
                "notify_donors": donors, "notify_partner": partner, "escalate_after_days": esc,
            },
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("reminders", "0003_watch_records")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
