"""The audit log refuses UPDATE and DELETE in the database itself, whatever the code does.

(TRUNCATE, which only the table's owner may run and which the test runner uses to empty the
database between transactional tests, is left to database privileges: in production the web
application's role should not own the tables.)"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION security_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'security_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER security_auditevent_no_update BEFORE UPDATE OR DELETE ON security_auditevent
    FOR EACH ROW EXECUTE FUNCTION security_auditevent_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS security_auditevent_no_update ON security_auditevent;
DROP FUNCTION IF EXISTS security_auditevent_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER security_auditevent_no_update BEFORE UPDATE ON security_auditevent
    BEGIN SELECT RAISE(ABORT, 'security_auditevent is append-only'); END;""",
    """CREATE TRIGGER security_auditevent_no_delete BEFORE DELETE ON security_auditevent
    BEGIN SELECT RAISE(ABORT, 'security_auditevent is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS security_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS security_auditevent_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
