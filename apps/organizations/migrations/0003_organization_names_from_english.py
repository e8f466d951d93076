"""Names and acronyms were entered in English: they become the English texts (name_en,
acronym_en) and, until translated, the text in the other languages too. A State's name in each
language is its country's UN short name. The services write both the same way from now on."""

from django.conf import settings
from django.db import migrations
from django.db.models import F
from django.utils import translation


def copy_names(apps, schema_editor):
    from django_countries import countries

    Organization = apps.get_model("organizations", "Organization")
    for language, _label in settings.LANGUAGES:
        suffix = language.replace("-", "_")
        Organization.objects.filter(**{f"name_{suffix}__isnull": True}).update(
            **{f"name_{suffix}": F("name")}
        )
        Organization.objects.filter(**{f"acronym_{suffix}__isnull": True}).update(
            **{f"acronym_{suffix}": F("acronym")}
        )
    for state in Organization.objects.filter(kind="state").exclude(country=""):
        for language, _label in settings.LANGUAGES:
            with translation.override(language):
                name = str(countries.name(state.country))
            setattr(state, f"name_{language.replace('-', '_')}", name)
        state.name = state.name_en
        state.save(update_fields=[f"name_{code.replace('-', '_')}" for code, _ in settings.LANGUAGES] + ["name"])


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_organization_names_translated")]

    operations = [migrations.RunPython(copy_names, migrations.RunPython.noop)]
