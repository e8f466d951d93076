"""Notifications name their event (apps.cases.events) and people choose a delivery per topic.

Existing status-change notifications take the event of their transition; a person who chose
the daily digest for everything keeps it, now for every topic."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


TRANSITION_EVENTS = {
    "submit": "submitted",
    "start_review": "review_started",
    "return_for_revision": "returned",
    "resubmit": "resubmitted",
    "publish": "published",
    "register_interest": "interest_expressed",
    "interest_withdrawn": "interest_withdrawn",
    "record_agreement": "agreement_recorded",
    "start_implementation": "implementation_started",
    "complete": "feedback_requested",
    "close": "closed",
    "withdraw": "withdrawn",
    "decline": "declined",
}
TOPICS = ["cases", "funding", "implementation", "feedback", "comments", "meetings", "reminders"]


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for transition, event in TRANSITION_EVENTS.items():
        Notification.objects.filter(
            kind="status_change", status_change__transition=transition
        ).update(kind=event)
    # A referral's notification had no kind of its own and no status change.
    Notification.objects.filter(kind="status_change").update(kind="referral_asked")
    User = apps.get_model("accounts", "User")
    Preference = apps.get_model("notifications", "NotificationPreference")
    Preference.objects.bulk_create(
        Preference(user_id=user_id, topic=topic, delivery="digest")
        for user_id in User.objects.filter(notification_frequency="daily").values_list(
            "pk", flat=True
        )
        for topic in TOPICS
    )


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_notification_reminder_notification_status_change_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0002_user_notification_frequency"),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('submitted', 'Request submitted'), ('review_started', 'Review started'), ('returned', 'Returned for revision'), ('resubmitted', 'Request resubmitted'), ('assigned', 'Case officer assigned'), ('published', 'Published to donors'), ('interest_expressed', 'Interest expressed'), ('interest_withdrawn', 'Interest withdrawn'), ('commitment_made', 'Funding pledged or committed'), ('commitment_changed', 'Funding changed'), ('disbursement', 'Disbursement'), ('agreement_recorded', 'Agreement recorded'), ('agreement_amended', 'Agreement amended'), ('implementation_started', 'Implementation started'), ('milestone_due', 'Milestone due'), ('milestone_late', 'Milestone late'), ('milestone_done', 'Milestone done'), ('progress_report', 'Progress report'), ('feedback_requested', 'Feedback requested'), ('feedback_submitted', 'Feedback submitted'), ('feedback_waived', 'Feedback waived'), ('comment', 'Comment'), ('meeting_outcome', 'Meeting outcome'), ('referral_asked', 'Offer asked for'), ('referral_brought', 'Offer brought to the need'), ('referral_declined', 'Offer request declined'), ('closed', 'Case closed'), ('withdrawn', 'Request withdrawn'), ('declined', 'Request declined'), ('reminder', 'Reminder'), ('escalation', 'Escalation')], max_length=40, verbose_name='event'),
        ),
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('topic', models.CharField(choices=[('cases', 'The case moves on (submission, review, publication, closure)'), ('funding', 'Interest, commitments and disbursements'), ('implementation', 'Agreement, milestones and progress reports'), ('feedback', 'Effectiveness feedback'), ('comments', 'Comments'), ('meetings', 'Matchmaking meetings and offers brought to a need'), ('reminders', 'Reminders and escalations')], max_length=20, verbose_name='topic')),
                ('delivery', models.CharField(choices=[('immediate', 'E-mail at once'), ('digest', 'In the daily digest'), ('in_app', 'In the portal only')], max_length=10, verbose_name='delivery')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'notification preference',
                'verbose_name_plural': 'notification preferences',
                'constraints': [models.UniqueConstraint(fields=('user', 'topic'), name='notification_preference_once')],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
