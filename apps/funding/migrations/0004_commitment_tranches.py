"""Commitments become tranches: several per donor and request, numbered per donor and request.
Interests get the status "concluded", set on the interests of cases that have already ended."""

from django.conf import settings
from django.db import migrations, models

# The terminal statuses of a case as they stand at this migration (cases/workflow.TERMINAL);
# written out so that a later change of the workflow does not change this migration.
TERMINAL = ("closed", "withdrawn", "declined")


def number_tranches(apps, schema_editor):
    """Number the existing commitments 1, 2, ... per donor and request, oldest first (a donor
    had at most one live commitment per request, besides cancelled ones)."""
    Commitment = apps.get_model("funding", "Commitment")
    last = {}
    to_update = []
    for commitment in Commitment.objects.order_by("request_id", "donor_id", "pk").only(
        "pk", "request_id", "donor_id", "tranche"
    ):
        key = (commitment.request_id, commitment.donor_id)
        last[key] = last.get(key, 0) + 1
        if commitment.tranche != last[key]:
            commitment.tranche = last[key]
            to_update.append(commitment)
    Commitment.objects.bulk_update(to_update, ["tranche"], batch_size=500)


def conclude_interests(apps, schema_editor):
    ExpressionOfInterest = apps.get_model("funding", "ExpressionOfInterest")
    ExpressionOfInterest.objects.filter(
        request__status__in=TERMINAL, status__in=("active", "converted")
    ).update(status="concluded")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_links"),
        ("funding", "0003_meetingitem_decision_and_request_with_offer"),
        ("organizations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="commitment",
            options={
                "ordering": ("request", "donor", "tranche", "pk"),
                "verbose_name": "commitment",
                "verbose_name_plural": "commitments",
            },
        ),
        migrations.RemoveConstraint(
            model_name="commitment",
            name="commitment_one_per_donor_per_request",
        ),
        migrations.AddField(
            model_name="commitment",
            name="tranche",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="The number of this tranche among the donor's funding of the request.",
                verbose_name="tranche",
            ),
        ),
        migrations.RunPython(number_tranches, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="expressionofinterest",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("withdrawn", "Withdrawn"),
                    ("converted", "Converted into a commitment"),
                    ("concluded", "Concluded"),
                ],
                default="active",
                editable=False,
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(conclude_interests, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="commitment",
            constraint=models.CheckConstraint(
                condition=models.Q(("tranche__gte", 1)), name="commitment_tranche_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="commitment",
            constraint=models.UniqueConstraint(
                fields=("request", "donor", "tranche"),
                name="commitment_tranche_unique",
                violation_error_message="This donor already has a tranche with this number.",
            ),
        ),
    ]
