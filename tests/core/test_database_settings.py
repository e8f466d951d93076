"""The database settings the portal runs with on PostgreSQL."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from config.settings.base import database_from_env, without_jit


@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit():
    # JIT compiles for longer than the portal's short reads run (docs/performance.md).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_can_be_turned_back_on(monkeypatch):
    config = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c work_mem=8MB"}}
    assert without_jit(dict(config, OPTIONS=dict(config["OPTIONS"])))["OPTIONS"]["options"] == (
        "-c work_mem=8MB -c jit=off"
    )
    monkeypatch.setenv("DATABASE_JIT", "true")
    assert without_jit(dict(config, OPTIONS=dict(config["OPTIONS"])))["OPTIONS"]["options"] == (
        "-c work_mem=8MB"
    )


def test_sqlite_is_left_as_it_is():
    assert without_jit({"ENGINE": "django.db.backends.sqlite3"}) == {
        "ENGINE": "django.db.backends.sqlite3"
    }


def test_a_pooler_in_transaction_mode_is_a_setting(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://portal:secret@pooler.example.org:6432/portal")
    assert database_from_env()["DISABLE_SERVER_SIDE_CURSORS"] is False
    monkeypatch.setenv("DATABASE_DISABLE_SERVER_SIDE_CURSORS", "true")
    assert database_from_env()["DISABLE_SERVER_SIDE_CURSORS"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(("disabled", "open_cursors"), [(False, 1), (True, 0)])
def test_chunked_reads_hold_no_cursor_when_server_side_cursors_are_off(
    monkeypatch, disabled, open_cursors
):
    # A pooler in transaction mode may hand the next FETCH to another server connection,
    # where the cursor does not exist: with the setting, a chunked read declares none.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", disabled)
    rows = ContentType.objects.order_by("pk").iterator(chunk_size=2)
    next(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == open_cursors
    rows.close()


def test_a_managed_postgresql_over_tls_keeps_its_url_options(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL",
        "postgres://portal:secret@db.example.org:5432/portal"
        "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/provider-ca.pem",
    )
    options = database_from_env()["OPTIONS"]
    assert options["sslmode"] == "verify-full"
    assert options["sslrootcert"] == "/etc/ssl/certs/provider-ca.pem"
    assert options["options"] == "-c jit=off"
