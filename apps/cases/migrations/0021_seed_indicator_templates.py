"""Seed common indicators per category (editable in the admin): what a State or UNODA can
pick when writing a proposal's results framework."""

from django.db import migrations

# (category code, name, unit, measure (1 units, 2 percentage), by sex, means of verification)
TEMPLATES = [
    (
        "legislation",
        "Implementing regulations adopted",
        "regulations",
        1,
        False,
        "Official gazette",
    ),
    (
        "legislation",
        "Officials trained on the new law",
        "people",
        1,
        True,
        "Training attendance lists",
    ),
    (
        "coordination",
        "Meetings of the national coordination body held",
        "meetings",
        1,
        False,
        "Minutes of the meetings",
    ),
    (
        "stockpile",
        "Share of storage sites meeting ISACS/MOSAIC standards",
        "",
        2,
        False,
        "Site inspection reports",
    ),
    (
        "stockpile",
        "Storage sites refurbished",
        "sites",
        1,
        False,
        "Handover certificates and photographs",
    ),
    ("stockpile", "Stockpile managers trained", "people", 1, True, "Training attendance lists"),
    ("marking", "Weapons marked", "weapons", 1, False, "National weapons register"),
    (
        "marking",
        "Marking machines in service",
        "machines",
        1,
        False,
        "Delivery and installation records",
    ),
    (
        "tracing",
        "Share of weapons recorded in the electronic register",
        "",
        2,
        False,
        "Register extract",
    ),
    ("tracing", "Tracing requests answered", "requests", 1, False, "Tracing correspondence log"),
    ("collection", "Weapons collected", "weapons", 1, False, "Collection records"),
    (
        "destruction",
        "Weapons destroyed",
        "weapons",
        1,
        False,
        "Destruction certificates, witnessed",
    ),
    (
        "destruction",
        "Ammunition destroyed",
        "tonnes",
        1,
        False,
        "Destruction certificates, witnessed",
    ),
    ("border", "Border officials trained", "people", 1, True, "Training attendance lists"),
    (
        "border",
        "Border crossings with detection equipment",
        "crossings",
        1,
        False,
        "Equipment handover records",
    ),
    (
        "law-enforcement",
        "Law-enforcement officers trained",
        "people",
        1,
        True,
        "Training attendance lists and tests",
    ),
    (
        "brokering",
        "Brokers registered under the new controls",
        "brokers",
        1,
        False,
        "Brokering register",
    ),
    ("ddr", "Former combatants reintegrated", "people", 1, True, "DDR programme records"),
    (
        "awareness",
        "People reached by awareness campaigns",
        "people",
        1,
        True,
        "Campaign reports and surveys",
    ),
    ("research", "Studies published", "studies", 1, False, "Publications"),
    ("crime-links", "Investigators trained", "people", 1, True, "Training attendance lists"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    IndicatorTemplate = apps.get_model("cases", "IndicatorTemplate")
    categories = {category.code: category for category in Category.objects.all()}
    positions = {}
    for code, name, unit, measure, by_sex, verification in TEMPLATES:
        category = categories.get(code)
        if category is None:
            continue
        positions[code] = positions.get(code, 0) + 1
        IndicatorTemplate.objects.get_or_create(
            category=category,
            name_en=name,
            defaults={
                "name": name,
                "unit": unit,
                "unit_en": unit,
                "measure": measure,
                "by_sex": by_sex,
                "means_of_verification": verification,
                "means_of_verification_en": verification,
                "position": positions[code],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_results_framework")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
