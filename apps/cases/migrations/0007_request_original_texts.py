"""Existing requests were written in English: their title and summary become the English
texts (modeltranslation's title_en, summary_en) and English their original language."""

from django.db import migrations
from django.db.models import F


def copy_texts(apps, schema_editor):
    AssistanceRequest = apps.get_model("cases", "AssistanceRequest")
    AssistanceRequest.objects.filter(title_en__isnull=True).update(
        title_en=F("title"), summary_en=F("summary"), original_language="en"
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_request_translations")]

    operations = [migrations.RunPython(copy_texts, migrations.RunPython.noop)]
