"""Trigram indexes for the case search (``icontains`` on the reference, the title in each
language and the requesting State's name), on PostgreSQL only: Django writes ``icontains`` as
``UPPER(column) LIKE UPPER(%text%)``, which a GIN index of ``UPPER(column)`` with
``gin_trgm_ops`` serves. The pg_trgm extension is created where the database allows it
(PostgreSQL 13 and later trust it to a database owner); where it does not, the search works
without the indexes. SQLite, the embedded default, needs none of this."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh_hans")
INDEXED = [
    ("cases_assistancerequest", "reference"),
    *(("cases_assistancerequest", f"title_{code}") for code in LANGUAGES),
    ("organizations_organization", "name"),
]


def _name(table: str, column: str) -> str:
    return f"{table.split('_', 1)[1][:12]}_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    connection = schema_editor.connection
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        logger.warning("pg_trgm could not be created: the case search runs without its index.")
        return
    with connection.cursor() as cursor:
        for table, column in INDEXED:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" ON "{table}" '
                f'USING gin (UPPER("{column}") gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in INDEXED:
            cursor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_category_translations"),
        ("organizations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
