"""The database settings the portal runs with on PostgreSQL."""

import pytest
from django.db import connection

from config.settings.base import without_jit


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
