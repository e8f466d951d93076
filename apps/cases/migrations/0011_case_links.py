"""Related cases become links with a kind ("builds on", "complements", "repeats"), a note and
who made them; the rows of the old symmetrical ``related_cases`` become "complements" links,
one per pair of cases."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


def related_cases_to_links(apps, schema_editor):
    AssistanceRequest = apps.get_model("cases", "AssistanceRequest")
    CaseLink = apps.get_model("cases", "CaseLink")
    Through = AssistanceRequest.related_cases.through
    # A symmetrical relation keeps each pair twice (A-B and B-A): one link per pair, from the
    # older case (the lower key) to the newer.
    pairs = {
        (min(a, b), max(a, b))
        for a, b in Through.objects.values_list("from_assistancerequest_id", "to_assistancerequest_id")
        if a != b
    }
    CaseLink.objects.bulk_create(
        [CaseLink(from_case_id=a, to_case_id=b, kind="complements") for a, b in sorted(pairs)],
        batch_size=1000,
    )


def links_to_related_cases(apps, schema_editor):
    AssistanceRequest = apps.get_model("cases", "AssistanceRequest")
    CaseLink = apps.get_model("cases", "CaseLink")
    Through = AssistanceRequest.related_cases.through
    rows = []
    for a, b in CaseLink.objects.values_list("from_case_id", "to_case_id"):
        rows.append(Through(from_assistancerequest_id=a, to_assistancerequest_id=b))
        rows.append(Through(from_assistancerequest_id=b, to_assistancerequest_id=a))
    Through.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_alter_attachment_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("builds_on", "builds on"),
                            ("complements", "complements"),
                            ("repeats", "repeats"),
                        ],
                        default="complements",
                        max_length=20,
                        verbose_name="relation",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="linked on")),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="linked by",
                    ),
                ),
                (
                    "from_case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_from",
                        to="cases.assistancerequest",
                        verbose_name="case",
                    ),
                ),
                (
                    "to_case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_to",
                        to="cases.assistancerequest",
                        verbose_name="related case",
                    ),
                ),
            ],
            options={
                "verbose_name": "case link",
                "verbose_name_plural": "case links",
                "ordering": ("created_at", "pk"),
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("from_case", models.F("to_case")), _negated=True),
                        name="caselink_not_to_itself",
                        violation_error_message="A case cannot be linked to itself.",
                    ),
                    models.UniqueConstraint(
                        django.db.models.functions.comparison.Least("from_case", "to_case"),
                        django.db.models.functions.comparison.Greatest("from_case", "to_case"),
                        name="caselink_one_per_pair",
                        violation_error_message="These two cases are already linked.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["builds_on", "complements", "repeats"])),
                        name="caselink_kind_valid",
                    ),
                ],
            },
        ),
        migrations.RunPython(related_cases_to_links, links_to_related_cases),
        migrations.RemoveField(model_name="assistancerequest", name="related_cases"),
    ]
