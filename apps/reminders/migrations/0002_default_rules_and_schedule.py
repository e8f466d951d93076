"""Seed the default reminder rules from DESIGN.md and the beat schedule (both editable in the
admin)."""

from django.db import migrations

RULES = [
    # code, name, message, status, delay, officer, recipient, donors, partner, escalate
    ("submitted-not-triaged", "Submitted but not triaged",
     "This request was submitted and is waiting for UNODA to start the review.",
     "submitted", 7, True, False, False, False, 7),
    ("revision-not-answered", "Revision not answered",
     "UNODA returned this request for revision. Please answer the questions and resubmit it.",
     "needs_revision", 21, False, True, False, False, 21),
    ("published-no-interest", "Published with no donor interest",
     "No donor has expressed interest in this published request yet. Please seek donors "
     "actively: present it to matching donors or at the next matchmaking meeting.",
     "published", 30, True, False, False, False, None),
    ("interest-without-agreement", "Interest without agreement",
     "A donor expressed interest in this request, but no agreement has been recorded yet.",
     "donor_interest", 60, True, False, True, False, 30),
    ("agreement-not-started", "Agreement signed, implementation not started",
     "An agreement was recorded, but implementation has not started.",
     "agreement", 60, True, True, False, True, None),
    ("feedback-pending", "Feedback pending after completion",
     "Implementation is complete. Please give your feedback on the effectiveness of the "
     "assistance.",
     "feedback", 14, False, True, True, False, 14),
]


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for code, name, message, status, delay, officer, recipient, donors, partner, esc in RULES:
        ReminderRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name, "message": message, "message_en": message,
                "watch": "case_status", "status": status, "delay_days": delay,
                "notify_case_officer": officer, "notify_recipient": recipient,
                "notify_donors": donors, "notify_partner": partner, "escalate_after_days": esc,
            },
        )

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name="Reminder sweep",
        defaults={"task": "apps.reminders.tasks.run_sweep", "interval": every_15,
                  "crontab": None, "enabled": True},
    )
    PeriodicTask.objects.update_or_create(
        name="Daily notification digest",
        defaults={"task": "apps.notifications.tasks.send_daily_digests", "crontab": daily,
                  "interval": None, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
