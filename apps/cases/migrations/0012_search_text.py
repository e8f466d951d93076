"""The case search reads one column, ``search_text``: the reference and the title in each
language, upper-cased by the database when the row is written. On PostgreSQL one trigram
index of that column replaces the seven of migration 0009 (the reference and each title, each
searched through ``UPPER()`` on every row), where pg_trgm exists; the States' names keep
theirs. SQLite, the embedded default, stores the column and needs no index."""

import django.db.models.functions.text
from django.db import migrations, models

OLD = ["reference", "title_en", "title_fr", "title_es", "title_ru", "title_ar", "title_zh_hans"]
INDEX = "assistancere_search_text_trgm"


def _has_trigrams(cursor) -> bool:
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return cursor.fetchone() is not None


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _has_trigrams(cursor):
            return  # migration 0009 logged why: the search works without an index
        for column in OLD:
            cursor.execute(f'DROP INDEX IF EXISTS "assistancere_{column}_trgm"')
        cursor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "cases_assistancerequest" '
            'USING gin ("search_text" gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')
        if not _has_trigrams(cursor):
            return
        for column in OLD:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "assistancere_{column}_trgm" '
                f'ON "cases_assistancerequest" USING gin (UPPER("{column}") gin_trgm_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="assistancerequest",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Upper(
                    django.db.models.functions.text.Concat(
                        models.F("reference"),
                        models.Value(" "),
                        models.F("title_ar"),
                        models.Value(" "),
                        models.F("title_zh_hans"),
                        models.Value(" "),
                        models.F("title_en"),
                        models.Value(" "),
                        models.F("title_fr"),
                        models.Value(" "),
                        models.F("title_ru"),
                        models.Value(" "),
                        models.F("title_es"),
                        output_field=models.TextField(),
                    )
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(create, drop),
    ]
