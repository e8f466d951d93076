"""Seed the PoA assistance categories and kinds of help from DESIGN.md (editable in the admin)."""

from django.db import migrations

CATEGORIES = [
    ("legislation", "National legislation and regulations", "02.20"),
    ("coordination", "National coordination body / point of contact", "02.30"),
    ("stockpile", "Stockpile management and security", "05.20, 05.30"),
    ("marking", "Marking and marking machines", "05.30"),
    ("tracing", "Record-keeping and tracing", "05.31"),
    ("collection", "Weapons collection", "05.40"),
    ("destruction", "Destruction of surplus, unmarked or illicit weapons", "05.50"),
    ("border", "Border and customs control", "05.60"),
    ("law-enforcement", "Law-enforcement cooperation and training", "05.41"),
    ("brokering", "Brokering controls", "03.41"),
    ("ddr", "DDR (disarmament, demobilization, reintegration)", "IDDRS"),
    ("awareness", "Public awareness and culture of peace", "04.30"),
    ("research", "Research and data collection", "05.10"),
    ("crime-links", "Links to illicit drugs, organized crime and terrorism", ""),
]

KINDS = [
    ("financial", "Financial"),
    ("technical", "Technical"),
    ("equipment", "Equipment"),
    ("training", "Training"),
    ("expertise", "Expertise"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    AssistanceKind = apps.get_model("cases", "AssistanceKind")
    for position, (code, name, isacs) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name, "isacs_modules": isacs, "position": position},
        )
    for position, (code, name) in enumerate(KINDS, start=1):
        AssistanceKind.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
